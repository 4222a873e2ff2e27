import { z } from 'zod';
import { LeadFilterSchema, LeadFilterViewSchema } from '@leadrelay/lead-filter';
import { destinationSecretMaxBytes, destinationSecretRefusal, weakDestinationSecretBelowBytes } from '@leadrelay/destination-policy';

/**
 * A destination's fields, bodies and answers as zod schemas: the admin's and the portal's routes
 * both validate and document with these, and the registry's types are inferred from them, so the
 * two APIs cannot drift apart in what a field means.
 */

export const EventTypeSchema = z.enum(['created', 'updated', 'activity_added']);
const DestinationName = z.string().trim().min(1).max(200);
const DestinationUrl = z.string().max(2000).describe('http(s) URL that receives POSTs as seed 003 describes');
const PartnerId = z.string().max(200).describe('Sent as `partner_id` in every lead document');
const Events = z.array(EventTypeSchema).max(3).describe('Empty or absent: all three');
const Sources = z.array(z.string().min(1).max(63)).max(1000).describe('Partner slugs; empty or absent: every partner');
const TimeoutMs = z.number().int().min(100).max(60_000).describe('Per request, the whole exchange; default 10000');
const Filter = LeadFilterSchema.nullable().describe('Which leads it receives, beside events and sources; null or absent: every lead');
const MaxConcurrency = z.number().int().min(1).max(1000).describe('Requests in flight at once over all dispatchers; default 10');
const Secret = z
  .string()
  .superRefine((secret, ctx) => {
    const refusal = destinationSecretRefusal(secret);
    if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
  })
  .describe(`1 to ${destinationSecretMaxBytes} bytes; below ${weakDestinationSecretBelowBytes} it is taken with a warning`);

/** An operator registers any destination; it is live at once. */
export const CreateDestinationBody = z.object({
  name: DestinationName,
  url: DestinationUrl,
  secret: Secret.optional().describe('Generated when not given'),
  partnerId: PartnerId.optional(),
  events: Events.optional(),
  sources: Sources.optional(),
  filter: Filter.optional(),
  timeoutMs: TimeoutMs.optional(),
  maxConcurrency: MaxConcurrency.optional(),
});

/**
 * A subscriber registers its own, in test mode. Partner ID and sources come with an operator's
 * approval (seed 003's go-live), and `maxConcurrency` is the operator's to set: the fields are refused.
 */
export const CreateSubscriberDestinationBody = CreateDestinationBody.pick({ name: true, url: true, secret: true, events: true, filter: true, timeoutMs: true }).strict();

export const UpdateDestinationBody = z.strictObject({
  name: DestinationName.optional(),
  url: DestinationUrl.optional(),
  partnerId: PartnerId.nullable().optional().describe('null: send `partner_id` empty'),
  events: Events.optional(),
  sources: Sources.optional(),
  filter: Filter.optional().describe('null: remove the filter'),
  timeoutMs: TimeoutMs.optional(),
  maxConcurrency: MaxConcurrency.optional(),
});

export const UpdateSubscriberDestinationBody = UpdateDestinationBody.pick({ name: true, url: true, events: true, filter: true, timeoutMs: true }).strict();

export const RotateSecretBody = z
  .strictObject({
    secret: Secret.optional().describe('Generated when not given'),
    switchAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the new secret takes over X-Lead-Router-Signature; default 24 h from now; now or earlier: at once'),
  })
  .default({});

export const DisableDestinationBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).default({});

export const ReplayDestinationBody = z.strictObject({
  since: z.iso.datetime({ offset: true }).describe('Failed and paused deliveries made at or after this time are sent again'),
});

export const DestinationModeSchema = z
  .enum(['test', 'pending_review', 'live'])
  .describe('`test`: test traffic only (samples, sandbox partners); `pending_review`: asked to go live; `live`: real leads');

export const ListDestinationsQuery = z.strictObject({ mode: DestinationModeSchema.optional() });

const LiveRequest = z.strictObject({
  description: z.string().trim().min(1).max(2000).describe('What the destination does, shown to clients connecting to it'),
  partnerIdLabel: z.string().trim().min(1).max(100).describe('What clients call their account id in the CRM, e.g. "Account ID"'),
  partnerIdHelp: z.string().trim().min(1).max(1000).describe('Where a client finds that id'),
});

/** Seed 003: a CRM asks to go live with a description, a "Partner ID Label" and a "Partner ID Help". */
export const RequestLiveBody = LiveRequest;

export const ApproveLiveBody = z.strictObject({
  partnerId: PartnerId.min(1).describe("The client's account id in the CRM, sent as `partner_id` from now on"),
  sources: Sources.optional().describe('Partner slugs whose leads it receives; unchanged when absent'),
});

export const RejectLiveBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000).describe('Shown to the subscriber'),
});

export const DestinationViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  url: z.string(),
  partnerId: z.string().nullable(),
  events: z.array(EventTypeSchema),
  sources: z.array(z.string()),
  filter: LeadFilterViewSchema.nullable().describe('Which leads it receives, beside events and sources; null: every lead'),
  timeoutMs: z.number().int(),
  maxConcurrency: z.number().int(),
  enabled: z.boolean(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable().describe('Why it was disabled: by an operator, a 410 answer, or failing too long'),
  failingSince: z.string().nullable().describe('Start of the current run of failed attempts without a success'),
  secretSwitchAt: z.string().nullable().describe('During a rotation: when the new secret takes over X-Lead-Router-Signature'),
  secretWarnings: z.array(z.string()).describe('`weak_secret: ...` while the secret in force is under 16 bytes; empty otherwise'),
  subscriberId: z.uuid().nullable().describe('The CRM that registered it itself; null for one an operator registered'),
  mode: DestinationModeSchema,
  liveRequest: z
    .object({ description: z.string(), partnerIdLabel: z.string(), partnerIdHelp: z.string() })
    .nullable()
    .describe('What the subscriber asked going live with (seed 003): shown to clients connecting to it'),
  reviewNote: z.string().nullable().describe('Why an operator returned it to test'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const DestinationWithSecretSchema = DestinationViewSchema.extend({
  secret: z.string().describe('The signing secret; shown only now.'),
  warnings: z.array(z.string()).describe('About the new secret: `weak_secret: ...` when a chosen one is under 16 bytes (as `secretWarnings`)'),
});

export const EnabledDestinationSchema = DestinationViewSchema.extend({
  resumedDeliveries: z.number().int().describe('Paused deliveries now being sent'),
});

export const DestinationTestResultSchema = z.object({
  messageId: z.uuid().describe('Of the sample; it is not a delivery and is not sent again'),
  accepted: z.boolean().describe('The receiver answered 2xx'),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  responseBody: z.string().nullable().describe('The first 1 KiB of the answer'),
  error: z.string().nullable().describe('Timeout, connection or TLS error, or a refused address'),
});

export const DestinationReplaySchema = z.object({
  replayed: z.number().int(),
  contentExpired: z
    .number()
    .int()
    .describe('Failed or paused deliveries left out: retention removed the document they send (RETENTION_DELIVERY_CONTENT)'),
});

export const DestinationIdParams = z.object({ id: z.uuid() });

export type CreateDestinationInput = z.output<typeof CreateDestinationBody>;
export type UpdateDestinationInput = z.output<typeof UpdateDestinationBody>;
export type RequestLiveInput = z.output<typeof RequestLiveBody>;
export type ApproveLiveInput = z.output<typeof ApproveLiveBody>;
export type DestinationView = z.output<typeof DestinationViewSchema>;
export type DestinationWithSecretView = z.output<typeof DestinationWithSecretSchema>;
export type DestinationTestResult = z.output<typeof DestinationTestResultSchema>;
export type DestinationReplayResult = z.output<typeof DestinationReplaySchema>;
