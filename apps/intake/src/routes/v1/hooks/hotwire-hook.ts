import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@leadrelay/http-kit';
import { mapHotwireLead } from '@leadrelay/lead';
import { verifyHotwireSignature } from '@leadrelay/signing';
import { isPartnerApiKey } from '../../../services/partner-credentials.ts';
import type { AcceptedItem } from '../../../services/lead-acceptance.ts';
import type { PartnerHook } from './partner-hook.ts';

interface HotwireResult {
  email: string;
  responseCodes: 'USER_CREATED' | 'USER_NOT_CREATED';
  reason?: string;
}

function queryValue(request: FastifyRequest, ...names: string[]): string | undefined {
  const query = request.query as Record<string, unknown>;
  for (const name of names) {
    const value = query[name];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

/**
 * Seed 000: `POST ?apiKey=<key>&sig=<md5(apiKey + secret + unix seconds)>` with an array of
 * users; 200 with one `responseCodes` entry per user, duplicates included (suppressed people:
 * `USER_NOT_CREATED` with a `reason`).
 */
export function hotwireHook(app: FastifyInstance): PartnerHook {
  const windowSeconds = Math.round(app.intakeConfig.HOTWIRE_SIGNATURE_WINDOW / 1000);
  return {
    methods: ['POST'],

    authenticate(request, partner) {
      const apiKey = queryValue(request, 'apiKey', 'apikey', 'api_key');
      const signature = queryValue(request, 'sig');
      if (!apiKey || !signature) {
        throw new AppError('unauthorized', 'the apiKey and sig query parameters are required');
      }
      if (!isPartnerApiKey(partner, apiKey)) throw new AppError('unauthorized', 'unknown apiKey');
      const valid = verifyHotwireSignature({
        apiKey,
        secret: app.secretBox.decrypt(partner.secretCiphertext),
        signature,
        nowSeconds: Math.floor(Date.now() / 1000),
        windowSeconds,
      });
      if (!valid) {
        throw new AppError('unauthorized', `sig is wrong or expired (a signature is valid for ${windowSeconds} s either side of our clock)`);
      }
    },

    async handle(request, reply) {
      const body = request.body;
      if (!Array.isArray(body) || body.length === 0 || !body.every((item) => isPlainObject(item))) {
        throw new AppError('bad_request', 'the body must be a non-empty JSON array of user objects');
      }
      const partner = request.partner;
      const results: HotwireResult[] = [];
      const accepted: { index: number; item: AcceptedItem }[] = [];
      body.forEach((raw, index) => {
        const mapped = mapHotwireLead(raw, { fieldMap: partner.fieldMap, defaultCountry: partner.defaultCountry ?? undefined });
        const email = typeof (raw as { email?: unknown }).email === 'string' ? (raw as { email: string }).email : '';
        if (mapped.ok) {
          accepted.push({ index, item: { lead: mapped.lead, raw } });
          results[index] = { email, responseCodes: 'USER_NOT_CREATED' };
        } else {
          const reason = mapped.errors.map((error) => `${error.path} ${error.message}`).join('; ');
          results[index] = { email, responseCodes: 'USER_NOT_CREATED', reason };
        }
      });
      const outcomes = await app.leadAcceptance.accept(
        accepted.map(({ item }) => item),
        { partnerId: partner.id, route: 'POST /v1/hooks/:slug (hotwire)', requestId: request.id, onDuplicate: 'keep' },
      );
      accepted.forEach(({ index }, position) => {
        const status = outcomes[position]!.status;
        if (status === 'created') results[index]!.responseCodes = 'USER_CREATED';
        // Still USER_NOT_CREATED, the contract's refusal: nothing was stored.
        if (status === 'suppressed') results[index]!.reason = 'suppressed: the person was erased or is on the do-not-contact list';
      });
      return reply.status(200).send(results);
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
