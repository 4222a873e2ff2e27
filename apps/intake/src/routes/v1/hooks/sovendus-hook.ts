import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, ContractError } from '@leadrelay/http-kit';
import { mapSovendusLead } from '@leadrelay/lead';
import { isPartnerApiKey } from '../../../services/partner-credentials.ts';
import type { IntakePartner } from '../../../services/partner-directory.ts';
import type { PartnerHook } from './partner-hook.ts';

const basicChallenge = { 'www-authenticate': 'Basic realm="LeadRelay", charset="UTF-8"' };

function basicCredentials(request: FastifyRequest): { username: string; password: string } | undefined {
  const authorization = request.headers.authorization;
  if (!authorization?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return undefined;
  return { username: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

/** For GET the "body" is the query string: Sovendus sends everything there. */
function fieldValue(request: FastifyRequest, name: string): string | undefined {
  const source = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | undefined;
  const value = source?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Which credential the partner is configured to send (seed 001 offers Basic, a header or a body field). */
function presentedKey(request: FastifyRequest, partner: IntakePartner): string | undefined {
  const scheme = partner.auth?.scheme;
  if (scheme === 'basic' || scheme === undefined) {
    const basic = basicCredentials(request);
    if (basic && basic.username === partner.slug) return basic.password;
    if (scheme === 'basic') return undefined;
  }
  if (scheme === 'header' || scheme === undefined) {
    return headerValue(request, partner.auth?.name ?? 'x-api-key');
  }
  return fieldValue(request, partner.auth?.name ?? 'api_key');
}

/** The submission is kept verbatim, except a key sent in a body field: credentials are never stored. */
function withoutCredential(input: object, partner: IntakePartner): object {
  if (partner.auth?.scheme !== 'body') return input;
  const { [partner.auth.name ?? 'api_key']: _credential, ...rest } = input as Record<string, unknown>;
  return rest;
}

/**
 * Seed 001: the lead arrives as GET query parameters (consent text and timestamp base64) or as
 * JSON (plain). 201 created, 200 duplicate (and 200 `suppressed`: an erased or do-not-contact
 * person, nothing stored), 400 invalid, 401 bad credentials; 503 only when we
 * could not accept it, so Sovendus retries.
 */
export function sovendusHook(app: FastifyInstance): PartnerHook {
  return {
    methods: ['GET', 'POST'],

    authenticate(request, partner) {
      if (!isPartnerApiKey(partner, presentedKey(request, partner))) {
        const challenge = partner.auth?.scheme === undefined || partner.auth.scheme === 'basic' ? basicChallenge : {};
        throw new ContractError(401, { error: { code: 'unauthorized', message: 'missing or wrong credentials' } }, challenge);
      }
    },

    async handle(request, reply) {
      const partner = request.partner;
      const input = request.method === 'GET' ? request.query : request.body;
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new AppError('bad_request', 'the lead must be a JSON object');
      }
      const mapped = mapSovendusLead(input, {
        encoding: request.method === 'GET' ? 'base64' : 'plain',
        fieldMap: partner.fieldMap,
        defaultCountry: partner.defaultCountry ?? undefined,
      });
      if (!mapped.ok) throw new AppError('validation_failed', 'the lead is invalid', mapped.errors);
      const [outcome] = await app.leadAcceptance.accept([{ lead: mapped.lead, raw: withoutCredential(input, partner) }], {
        partnerId: partner.id,
        route: `${request.method} /v1/hooks/:slug (sovendus)`,
        requestId: request.id,
        onDuplicate: 'keep',
      });
      // A 2xx: a 4xx makes Sovendus retry ten times, and the person must not be sent again.
      if (outcome!.status === 'suppressed') return reply.status(200).send({ status: 'suppressed' });
      const created = outcome!.status === 'created';
      return reply.status(created ? 201 : 200).send({ status: outcome!.status, leadId: outcome!.leadId });
    },
  };
}
