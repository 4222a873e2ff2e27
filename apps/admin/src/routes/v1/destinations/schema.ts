import { z } from 'zod';
import { destinationSecretMaxBytes, destinationSecretRefusal, weakDestinationSecretBelowBytes } from '@leadrelay/destination-policy';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

const EventTypeSchema = z.enum(['created', 'updated', 'activity_added']);
const DestinationName = z.string().trim().min(1).max(200);
const DestinationUrl = z.string().max(2000).describe('http(s) URL that receives POSTs as seed 003 describes');
const PartnerId = z.string().max(200).describe('Sent as `partner_id` in every lead document');
const Events = z.array(EventTypeSchema).max(3).describe('Empty or absent: all three');
const Sources = z.array(z.string().min(1).max(63)).max(1000).describe('Partner slugs; empty or absent: every partner');
const TimeoutMs = z.number().int().min(100).max(60_000).describe('Per request, the whole exchange; default 10000');
const MaxConcurrency = z.number().int().min(1).max(1000).describe('Requests in flight at once over all dispatchers; default 10');
const Secret = z
  .string()
  .superRefine((secret, ctx) => {
    const refusal = destinationSecretRefusal(secret);
    if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
  })
  .describe(`1 to ${destinationSecretMaxBytes} bytes; below ${weakDestinationSecretBelowBytes} it is taken with a warning`);

export const CreateDestinationBody = z.object({
  name: DestinationName,
  url: DestinationUrl,
  secret: Secret.optional().describe('Generated when not given'),
  partnerId: PartnerId.optional(),
  events: Events.optional(),
  sources: Sources.optional(),
  timeoutMs: TimeoutMs.optional(),
  maxConcurrency: MaxConcurrency.optional(),
});

export const UpdateDestinationBody = z.strictObject({
  name: DestinationName.optional(),
  url: DestinationUrl.optional(),
  partnerId: PartnerId.nullable().optional().describe('null: send `partner_id` empty'),
  events: Events.optional(),
  sources: Sources.optional(),
  timeoutMs: TimeoutMs.optional(),
  maxConcurrency: MaxConcurrency.optional(),
});

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

const DestinationMode = z
  .enum(['test', 'pending_review', 'live'])
  .describe('`test`: test traffic only (samples, sandbox partners); `pending_review`: asked to go live; `live`: real leads');

export const ListDestinationsQuery = z.strictObject({ mode: DestinationMode.optional() });

export const ApproveLiveBody = z.strictObject({
  partnerId: PartnerId.min(1).describe("The client's account id in the CRM, sent as `partner_id` from now on"),
  sources: Sources.optional().describe('Partner slugs whose leads it receives; unchanged when absent'),
});

export const RejectLiveBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000).describe('Shown to the subscriber'),
});

export const DestinationView = z.object({
  id: z.uuid(),
  name: z.string(),
  url: z.string(),
  partnerId: z.string().nullable(),
  events: z.array(EventTypeSchema),
  sources: z.array(z.string()),
  timeoutMs: z.number().int(),
  maxConcurrency: z.number().int(),
  enabled: z.boolean(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable().describe('Why it was disabled: by an operator, a 410 answer, or failing too long'),
  failingSince: z.string().nullable().describe('Start of the current run of failed attempts without a success'),
  secretSwitchAt: z.string().nullable().describe('During a rotation: when the new secret takes over X-Lead-Router-Signature'),
  subscriberId: z.uuid().nullable().describe('The CRM that registered it itself; null for one an operator registered'),
  mode: DestinationMode,
  liveRequest: z
    .object({ description: z.string(), partnerIdLabel: z.string(), partnerIdHelp: z.string() })
    .nullable()
    .describe('What the subscriber asked going live with (seed 003): shown to clients connecting to it'),
  reviewNote: z.string().nullable().describe('Why an operator returned it to test'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const DestinationWithSecret = DestinationView.extend({
  secret: z.string().describe('The signing secret; shown only now.'),
  warnings: z.array(z.string()).describe('About the secret: `weak_secret: ...` when a chosen one is under 16 bytes'),
});

export const EnabledDestination = DestinationView.extend({
  resumedDeliveries: z.number().int().describe('Paused deliveries now being sent'),
});

export const DestinationTestResult = z.object({
  messageId: z.uuid().describe('Of the sample; it is not a delivery and is not sent again'),
  accepted: z.boolean().describe('The receiver answered 2xx'),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  responseBody: z.string().nullable().describe('The first 1 KiB of the answer'),
  error: z.string().nullable().describe('Timeout, connection or TLS error, or a refused address'),
});

export const DestinationIdParams = z.object({ id: z.uuid() });

const tags = ['destinations'];
const refused = { 401: ErrorBodySchema, 429: ErrorBodySchema };
const byId = { 400: ErrorBodySchema, 404: ErrorBodySchema, ...refused };

export const createDestinationSchema = {
  operationId: 'createDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Register a destination',
  body: CreateDestinationBody,
  response: { ...viewerRefusal, 201: DestinationWithSecret, 400: ErrorBodySchema, ...refused },
};

export const listDestinationsSchema = {
  operationId: 'listDestinations',
  ...adminTokenAuth,
  tags,
  summary: 'List destinations',
  querystring: ListDestinationsQuery,
  response: { 200: z.object({ destinations: z.array(DestinationView) }), 400: ErrorBodySchema, ...refused },
};

export const getDestinationSchema = {
  operationId: 'getDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Get a destination',
  params: DestinationIdParams,
  response: { 200: DestinationView, ...byId },
};

export const updateDestinationSchema = {
  operationId: 'updateDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Change a destination; pending deliveries use the change from their next attempt',
  params: DestinationIdParams,
  body: UpdateDestinationBody,
  response: { ...viewerRefusal, 200: DestinationView, ...byId },
};

export const deleteDestinationSchema = {
  operationId: 'deleteDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Delete a destination; its deliveries stay on record and are never sent',
  params: DestinationIdParams,
  response: { ...viewerRefusal, 204: z.null().describe('Deleted'), ...byId },
};

export const rotateDestinationSecretSchema = {
  operationId: 'rotateDestinationSecret',
  ...adminTokenAuth,
  tags,
  summary: 'New signing secret, returned once; the old one keeps signing X-Lead-Router-Signature until switchAt',
  params: DestinationIdParams,
  body: RotateSecretBody,
  response: { ...viewerRefusal, 200: DestinationWithSecret, ...byId },
};

export const testDestinationSchema = {
  operationId: 'testDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Send a signed sample lead and report the answer',
  params: DestinationIdParams,
  response: { ...viewerRefusal, 200: DestinationTestResult, ...byId },
};

export const enableDestinationSchema = {
  operationId: 'enableDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Enable a destination and send its paused deliveries',
  params: DestinationIdParams,
  response: { ...viewerRefusal, 200: EnabledDestination, ...byId },
};

export const disableDestinationSchema = {
  operationId: 'disableDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Disable a destination; its new deliveries are kept paused',
  params: DestinationIdParams,
  body: DisableDestinationBody,
  response: { ...viewerRefusal, 200: DestinationView, ...byId },
};

export const replayDestinationSchema = {
  operationId: 'replayDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Send again every failed or paused delivery made since a time, with their message ids',
  params: DestinationIdParams,
  body: ReplayDestinationBody,
  response: {
    ...viewerRefusal,
    202: z.object({
      replayed: z.number().int(),
      contentExpired: z
        .number()
        .int()
        .describe('Failed or paused deliveries left out: retention removed the document they send (RETENTION_DELIVERY_CONTENT)'),
    }),
    409: ErrorBodySchema,
    ...byId,
  },
};

export const approveDestinationSchema = {
  operationId: 'approveDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Connect a destination that asked to go live: it receives real leads with this Partner ID',
  params: DestinationIdParams,
  body: ApproveLiveBody,
  response: { ...viewerRefusal, 200: DestinationView, 409: ErrorBodySchema, ...byId },
};

export const rejectDestinationSchema = {
  operationId: 'rejectDestination',
  ...adminTokenAuth,
  tags,
  summary: 'Return a destination that asked to go live to test, with the reason',
  params: DestinationIdParams,
  body: RejectLiveBody,
  response: { ...viewerRefusal, 200: DestinationView, 409: ErrorBodySchema, ...byId },
};
