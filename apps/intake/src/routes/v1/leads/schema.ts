import { z } from 'zod';
import { ErrorBodySchema, type SecurityRequirements } from '@leadrelay/http-kit';
import { ActivityInputSchema } from '@leadrelay/lead';

export const maxLeadsPerRequest = 1000;

const security: SecurityRequirements = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('A retry with the same key and body gets the first answer and enqueues nothing new.'),
});

/**
 * Items are validated one by one after this (valid items are accepted even when others are
 * rejected), so the request schema only checks the envelope.
 */
export const SubmitLeadsBody = z
  .union([
    z.record(z.string(), z.unknown()),
    z.array(z.unknown()).max(maxLeadsPerRequest, `at most ${maxLeadsPerRequest} leads per request`),
  ])
  .describe('One lead object, or an array of 1 to 1000 lead objects (fields: see the README).');

export const SubmitLeadsQuery = z.object({
  onDuplicate: z
    .enum(['keep', 'update'])
    .default('keep')
    .describe('`update` turns a duplicate into an update of the stored lead.'),
});

const FieldErrors = z.array(z.object({ path: z.string(), message: z.string() }));

const ItemResult = z.object({
  index: z.number().int(),
  status: z.enum(['created', 'duplicate', 'updated', 'rejected']),
  leadId: z.uuid().optional(),
  /** Why a rejected item is refused, when it is not its data: `suppressed` (the person was erased, or is on the do-not-contact list). */
  code: z
    .enum(['suppressed'])
    .optional()
    .describe('suppressed: the person was erased or is on the do-not-contact list; nothing was stored, do not send them again'),
  errors: FieldErrors.optional(),
});
export type ItemResult = z.infer<typeof ItemResult>;

export const SubmitLeadsAnswer = z.object({
  results: z.array(ItemResult),
  counts: z.object({
    created: z.number().int(),
    duplicate: z.number().int(),
    updated: z.number().int(),
    rejected: z.number().int(),
  }),
});
export type SubmitLeadsAnswer = z.infer<typeof SubmitLeadsAnswer>;

export const submitLeadsSchema = {
  operationId: 'submitLeads',
  summary: 'Submit leads (canonical API)',
  tags: ['leads'],
  security,
  headers: IdempotencyHeaders,
  querystring: SubmitLeadsQuery,
  body: SubmitLeadsBody,
  response: {
    202: SubmitLeadsAnswer.describe('Accepted: every valid item is safely queued'),
    400: z.union([SubmitLeadsAnswer, ErrorBodySchema]).describe('Every item was rejected, or the request is malformed'),
    401: ErrorBodySchema,
    403: ErrorBodySchema,
    409: ErrorBodySchema.describe('A request with this Idempotency-Key is still in progress'),
    413: ErrorBodySchema,
    415: ErrorBodySchema,
    422: ErrorBodySchema.describe('The Idempotency-Key was used with a different body'),
    429: ErrorBodySchema,
    503: ErrorBodySchema,
  },
};

export const AppendActivitiesBody = z.object({
  activities: z.array(ActivityInputSchema).min(1).max(100),
});

export const AppendActivitiesAnswer = z.object({
  leadId: z.uuid(),
  accepted: z.number().int(),
});

export const appendActivitiesSchema = {
  operationId: 'appendActivities',
  summary: 'Append activities to a lead (kept until the lead is stored if it is not yet)',
  tags: ['leads'],
  security,
  headers: IdempotencyHeaders,
  params: z.object({ leadId: z.uuid() }),
  body: AppendActivitiesBody,
  response: {
    202: AppendActivitiesAnswer,
    400: ErrorBodySchema,
    401: ErrorBodySchema,
    403: ErrorBodySchema,
    404: ErrorBodySchema.describe('No such lead: the id is not one LeadRelay issued (a v4 id of no stored lead, a v7 id from the future)'),
    409: ErrorBodySchema,
    413: ErrorBodySchema,
    415: ErrorBodySchema,
    422: ErrorBodySchema,
    429: ErrorBodySchema,
    503: ErrorBodySchema,
  },
};
