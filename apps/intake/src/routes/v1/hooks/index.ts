import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, ContractError } from '@leadrelay/http-kit';
import type { PartnerProfile } from '@leadrelay/db';
import { partnerRateLimit } from '../../../plugins/partner-rate-limit.ts';
import type { IntakePartner } from '../../../services/partner-directory.ts';
import { alowareHook } from './aloware-hook.ts';
import { hotwireHook } from './hotwire-hook.ts';
import { sovendusHook } from './sovendus-hook.ts';
import type { PartnerHook } from './partner-hook.ts';
import { hookSchemas } from './schema.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The partner named in the hook URL, before it has proven who it is. */
    hookPartner: IntakePartner | null;
  }
}

function hooksByProfile(app: FastifyInstance): Partial<Record<PartnerProfile, PartnerHook>> {
  return { hotwire: hotwireHook(app), sovendus: sovendusHook(app), aloware: alowareHook(app) };
}

const hooksRoutes: FastifyPluginAsyncZod = async (app) => {
  const hooks = hooksByProfile(app);
  const hookFor = (request: FastifyRequest) => hooks[request.hookPartner!.profile]!;
  app.decorateRequest('hookPartner', null);

  for (const method of ['GET', 'POST'] as const) app.route({
    method,
    url: '/:partnerSlug',
    schema: hookSchemas[method],
    config: { rateLimit: partnerRateLimit },
    // Resolved before the body is parsed, so even a malformed body is answered in the contract's shape.
    onRequest: async (request) => {
      const { partnerSlug } = request.params as { partnerSlug: string };
      const partner = await app.partners.findBySlug(partnerSlug);
      if (!partner) throw new AppError('not_found', `no partner "${partnerSlug}"`);
      request.hookPartner = partner;
      const hook = hooks[partner.profile];
      if (!hook) throw new AppError('not_found', `partner "${partnerSlug}" uses the canonical API: POST /v1/leads`);
      if (!hook.methods.includes(request.method as 'GET' | 'POST')) {
        throw new AppError('method_not_allowed', `this partner's contract does not use ${request.method}`);
      }
    },
    preHandler: async (request) => {
      const partner = request.hookPartner!;
      await hookFor(request).authenticate(request, partner);
      if (partner.disabled) throw new AppError('forbidden', 'this partner is disabled');
      request.partner = partner;
    },
    handler: async (request, reply) => hookFor(request).handle(request, reply),
    errorHandler: (error: FastifyError, request, reply: FastifyReply) => {
      const formatError = request.hookPartner ? hooks[request.hookPartner.profile]?.formatError : undefined;
      if (!formatError || error instanceof ContractError) throw error;
      const { statusCode, message, details } = describeClientError(error);
      if (statusCode >= 500) throw error;
      return reply.status(statusCode).send(formatError(statusCode, message, details));
    },
  });
};

/** The status, message and field details the shared error handler would answer with. */
function describeClientError(error: FastifyError): { statusCode: number; message: string; details?: { path: string; message: string }[] } {
  if (error instanceof AppError) return { statusCode: error.statusCode, message: error.message, details: error.details };
  if (error.validation) {
    return {
      statusCode: 400,
      message: 'The given data was invalid.',
      details: error.validation.map((issue) => ({ path: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'), message: issue.message ?? 'is invalid' })),
    };
  }
  return { statusCode: error.statusCode ?? 500, message: error.message };
}

export default hooksRoutes;
