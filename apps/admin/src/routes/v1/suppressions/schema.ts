import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

const Email = z.string().trim().min(1).max(320);
const Phone = z.string().trim().min(1).max(64);
const PartnerSlug = z.string().trim().min(1).max(100).describe("Partner slug: national phone numbers are read in its defaultCountry (else US)");

export const CheckSuppressionQuery = z.object({
  email: Email.optional(),
  phone: Phone.optional(),
  partner: PartnerSlug.optional(),
});

export const ImportSuppressionsBody = z.strictObject({
  emails: z.array(Email).max(100_000).optional(),
  phones: z.array(Phone).max(100_000).optional(),
  partner: PartnerSlug.optional(),
});

export const LiftSuppressionBody = z.strictObject({
  email: Email.optional(),
  phone: Phone.optional(),
  partner: PartnerSlug.optional(),
});

const tags = ['suppressions'];
const refused = { 401: ErrorBodySchema, 429: ErrorBodySchema };

export const checkSuppressionSchema = {
  operationId: 'checkSuppression',
  ...adminTokenAuth,
  tags,
  summary: 'Whether a person is suppressed (erased, or on an imported do-not-contact list)',
  description: 'Each of email and phone is true or false when given, null when not; `suppressed` when either is.',
  querystring: CheckSuppressionQuery,
  response: {
    200: z.object({ suppressed: z.boolean(), email: z.boolean().nullable(), phone: z.boolean().nullable() }),
    400: ErrorBodySchema,
    404: ErrorBodySchema,
    ...refused,
  },
};

export const importSuppressionsSchema = {
  operationId: 'importSuppressions',
  ...adminTokenAuth,
  tags,
  summary: 'Import a do-not-contact list of emails and phones, without erasing anything',
  description:
    'Later submissions of these people, from any partner, store nothing and are refused as for an erased person. Leads stored ' +
    'already stay (erase them with POST /v1/erasures). All or nothing: one unreadable entry is 400, naming it, and nothing is imported.',
  body: ImportSuppressionsBody,
  response: {
    200: z.object({ added: z.number().int(), alreadySuppressed: z.number().int() }),
    400: ErrorBodySchema,
    404: ErrorBodySchema,
    ...viewerRefusal,
    ...refused,
  },
};

export const liftSuppressionSchema = {
  operationId: 'liftSuppression',
  ...adminTokenAuth,
  tags,
  summary: "Lift an email's or a phone's suppression (owners only)",
  description: 'Its later submissions are stored again. Nothing erased comes back.',
  body: LiftSuppressionBody,
  response: { 200: z.object({ lifted: z.number().int() }), 400: ErrorBodySchema, 404: ErrorBodySchema, ...viewerRefusal, ...refused },
};
