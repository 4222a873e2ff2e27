import { z } from 'zod';
import { keysetPageQuery } from '@leadrelay/http-kit';
import { EventTypeSchema } from './destination-schemas.ts';

/** Deliveries' queries and answers, shared by the admin's and the portal's routes (see destination-schemas.ts). */

export const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed', 'stopped', 'paused']);

export const ListDeliveriesQuery = z.object({
  destinationId: z.uuid().optional(),
  status: DeliveryStatusSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Deliveries made at or after this time'),
  ...keysetPageQuery,
});

export const DeliveryViewSchema = z.object({
  id: z.uuid(),
  destinationId: z.uuid(),
  eventId: z.uuid(),
  eventType: EventTypeSchema,
  leadId: z.uuid(),
  messageId: z.uuid().describe('X-Lead-Router-Message-Id and webhook-id: the same on every attempt and replay'),
  status: DeliveryStatusSchema.describe('stopped: the receiver answered 406 or 410; paused: its destination is disabled'),
  attemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const DeliveryAttemptViewSchema = z.object({
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
  request: z
    .object({
      headers: z.record(z.string(), z.string()).describe('Exactly as sent, signatures included'),
      body: z
        .string()
        .nullable()
        .describe('Exactly as sent; null once the lead document was removed (retention, erasure)'),
    })
    .nullable()
    .describe('What this attempt sent; null for attempts recorded before LeadRelay kept it'),
});

export const DeliveryDetailSchema = DeliveryViewSchema.extend({ attempts: z.array(DeliveryAttemptViewSchema).describe('Oldest first') });

export const DeliveryListSchema = z.object({
  deliveries: z.array(DeliveryViewSchema),
  nextCursor: z.string().nullable().describe('null on the last page'),
});

export const DeliveryIdParams = z.object({ id: z.uuid() });

export type ListDeliveriesInput = Omit<z.output<typeof ListDeliveriesQuery>, 'since'> & { since?: Date };
export type DeliveryView = z.output<typeof DeliveryViewSchema>;
export type DeliveryAttemptView = z.output<typeof DeliveryAttemptViewSchema>;
export type DeliveryDetail = z.output<typeof DeliveryDetailSchema>;
export type DeliveryList = z.output<typeof DeliveryListSchema>;
