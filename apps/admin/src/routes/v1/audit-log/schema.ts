import { z } from 'zod';
import { ErrorBodySchema, keysetPageQuery } from '@leadrelay/http-kit';
import { adminTokenAuth } from '../../../plugins/openapi.ts';

export const ListAuditLogQuery = z.object({
  actor: z.string().min(1).max(200).optional().describe('An operator or subscriber id, or an actor name (`bootstrap` for ADMIN_TOKEN)'),
  target: z.string().min(1).max(500).optional().describe('The id (or slug, or queue/job) a change was about'),
  action: z.string().min(1).max(200).optional().describe('An operationId, e.g. `rotateDestinationSecret`'),
  since: z.iso.datetime({ offset: true }).optional().describe('Entries made at or after this time'),
  ...keysetPageQuery,
});

export const AuditEntryView = z.object({
  id: z.uuid(),
  createdAt: z.string(),
  actor: z.object({
    kind: z.string().describe('`bootstrap` (ADMIN_TOKEN) or `operator` in the admin; `subscriber` in the portal'),
    id: z.uuid().nullable().describe('The operator or subscriber id; null for the bootstrap token'),
    name: z.string(),
  }),
  action: z.string().describe("The route's operationId; method and route pattern for the Bull dashboard's API"),
  targetId: z.string().nullable().describe("The route's id parameter, or the id of what a 2xx answer created"),
  ip: z.string().describe('The client address the admin (or the portal) saw'),
  statusCode: z.number().int().describe('The status of the answer: refused and failed changes are recorded too'),
});

export const listAuditLogSchema = {
  operationId: 'listAuditLog',
  ...adminTokenAuth,
  tags: ['audit-log'],
  summary: 'List the changes made through the admin API, newest first',
  description:
    'One entry per change attempted after authentication (any method but GET), with who, what, which target, when, ' +
    'from which address and the status of the answer; never a request body, personal data or a secret. Entries are never ' +
    'changed or deleted. Readable by every role.',
  querystring: ListAuditLogQuery,
  response: {
    200: z.object({ entries: z.array(AuditEntryView), nextCursor: z.string().nullable().describe('null on the last page') }),
    400: ErrorBodySchema,
    401: ErrorBodySchema,
    429: ErrorBodySchema,
  },
};
