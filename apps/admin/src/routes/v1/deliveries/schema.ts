import { z } from 'zod';
import { ErrorBodySchema, keysetPageQuery } from '@leadrelay/http-kit';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

const DeliveryStatus = z.enum(['pending', 'delivered', 'failed', 'stopped', 'paused']);

export const ListDeliveriesQuery = z.object({
  destinationId: z.uuid().optional(),
  status: DeliveryStatus.optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Deliveries made at or after this time'),
  ...keysetPageQuery,
});

export const DeliveryView = z.object({
  id: z.uuid(),
  destinationId: z.uuid(),
  eventId: z.uuid(),
  eventType: z.enum(['created', 'updated', 'activity_added']),
  leadId: z.uuid(),
  messageId: z.uuid().describe('X-Lead-Router-Message-Id and webhook-id: the same on every attempt and replay'),
  status: DeliveryStatus.describe('stopped: the receiver answered 406 or 410; paused: its destination is disabled'),
  attemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const DeliveryAttemptView = z.object({
  number: z.number().int(),
  startedAt: z.string(),
  durationMs: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable().describe('Timeout, connection or TLS error, or a refused address'),
  responseBody: z.string().nullable().describe('The first 1 KiB of the answer; null once retention removed it'),
  responseBodyRemovedAt: z
    .string()
    .nullable()
    .describe('When retention removed `responseBody` (RETENTION_DELIVERY_CONTENT); null while it is kept'),
  nextAttemptAt: z.string().nullable(),
});

export const DeliveryDetail = DeliveryView.extend({ attempts: z.array(DeliveryAttemptView).describe('Oldest first') });

export const DeliveryIdParams = z.object({ id: z.uuid() });

const tags = ['deliveries'];
const refused = { 401: ErrorBodySchema, 429: ErrorBodySchema };

export const listDeliveriesSchema = {
  operationId: 'listDeliveries',
  ...adminTokenAuth,
  tags,
  summary: 'List deliveries, newest first',
  querystring: ListDeliveriesQuery,
  response: {
    200: z.object({ deliveries: z.array(DeliveryView), nextCursor: z.string().nullable().describe('null on the last page') }),
    400: ErrorBodySchema,
    ...refused,
  },
};

export const getDeliverySchema = {
  operationId: 'getDelivery',
  ...adminTokenAuth,
  tags,
  summary: 'Get a delivery with its attempts',
  params: DeliveryIdParams,
  response: { 200: DeliveryDetail, 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused },
};

export const replayDeliverySchema = {
  operationId: 'replayDelivery',
  ...adminTokenAuth,
  tags,
  summary: 'Send a delivery again with its message id, as a new run of the retry schedule',
  description:
    '409 `conflict` while it is pending or its destination is disabled or deleted; 409 `content_expired` once retention removed the lead document it sends (RETENTION_DELIVERY_CONTENT).',
  params: DeliveryIdParams,
  response: { ...viewerRefusal, 202: DeliveryDetail, 400: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, ...refused },
};
