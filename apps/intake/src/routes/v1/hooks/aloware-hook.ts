import type { FastifyInstance } from 'fastify';
import { ContractError } from '@leadrelay/http-kit';
import { alowareForceUpdate, mapAlowareLead } from '@leadrelay/lead';
import { isPartnerApiKey } from '../../../services/partner-credentials.ts';
import type { PartnerHook } from './partner-hook.ts';

/** Aloware's error answer (seed 002): a message and, for invalid data, errors per field. */
function alowareError(statusCode: number, message: string, details?: { path: string; message: string }[]): ContractError {
  if (statusCode === 400 && details && details.length > 0) {
    const errors: Record<string, string[]> = {};
    for (const detail of details) {
      const field = detail.path.replace(/^body\./, '') || 'body';
      (errors[field] ??= []).push(`The ${field.replaceAll('_', ' ')} ${detail.message}.`);
    }
    return new ContractError(400, { message: 'The given data was invalid.', errors });
  }
  if (statusCode === 401) return new ContractError(401, { message: 'Unauthenticated.' });
  return new ContractError(statusCode, { message });
}

/**
 * Seed 002: JSON with `api_token` in the body. Answers exactly as the seed shows: 201 created,
 * 202 duplicate ("Contact created." either way), 200 "Contact updated." with force_update, and
 * 400 with `errors.contact` for a suppressed person (erased or do-not-contact; nothing stored).
 */
export function alowareHook(app: FastifyInstance): PartnerHook {
  return {
    methods: ['POST'],

    authenticate(request, partner) {
      const body = request.body as { api_token?: unknown } | undefined;
      const token = typeof body?.api_token === 'string' ? body.api_token : undefined;
      if (!isPartnerApiKey(partner, token)) throw alowareError(401, 'Unauthenticated.');
    },

    async handle(request, reply) {
      const partner = request.partner;
      const mapped = mapAlowareLead(request.body, {
        fieldMap: partner.fieldMap,
        defaultCountry: partner.defaultCountry ?? undefined,
      });
      if (!mapped.ok) throw alowareError(400, 'The given data was invalid.', mapped.errors);
      const forceUpdate = alowareForceUpdate(request.body);
      const { api_token: _token, ...raw } = request.body as Record<string, unknown>;
      const [outcome] = await app.leadAcceptance.accept([{ lead: mapped.lead, raw }], {
        partnerId: partner.id,
        route: 'POST /v1/hooks/:slug (aloware)',
        requestId: request.id,
        onDuplicate: forceUpdate ? 'update' : 'keep',
        mayChangeAnyLead: partner.changeScope === 'any',
      });
      // Seed 002's failure answer, as for a phone number "already taken": nothing was stored.
      if (outcome!.status === 'suppressed') {
        return reply.status(400).send(alowareError(400, 'The given data was invalid.', [{ path: 'contact', message: 'is on the do-not-contact list' }]).body);
      }
      if (outcome!.status === 'created') return reply.status(201).send({ message: 'Contact created.' });
      if (outcome!.status === 'updated') return reply.status(200).send({ message: 'Contact updated.' });
      return reply.status(202).send({ message: 'Contact created.' });
    },

    formatError: (statusCode, message, details) => alowareError(statusCode, message, details).body,
  };
}
