import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { AppError } from '@leadrelay/http-kit';
import type { IntakePartner } from '../services/partner-directory.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for the canonical API: `Authorization: Bearer <apiKey>` or `X-API-Key`. */
    authenticateCanonical: (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    partner: IntakePartner;
  }
}

function apiKeyFrom(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

export default fp(
  async (app) => {
    app.decorateRequest('partner', null as unknown as IntakePartner);
    app.decorate('authenticateCanonical', async (request: FastifyRequest) => {
      const apiKey = apiKeyFrom(request);
      if (!apiKey) throw new AppError('unauthorized', 'an API key is required (Authorization: Bearer <apiKey> or X-API-Key)');
      const partner = await app.partners.findByApiKey(apiKey);
      if (!partner) throw new AppError('unauthorized', 'unknown API key');
      if (partner.disabled) throw new AppError('forbidden', 'this partner is disabled');
      request.partner = partner;
    });
  },
  { name: 'canonical-auth', dependencies: ['partner-directory'] },
);
