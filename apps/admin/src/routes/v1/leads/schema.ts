import { z } from 'zod';
import { ErrorBodySchema, keysetPageQuery } from '@leadrelay/http-kit';
import { adminTokenAuth } from '../../../plugins/openapi.ts';
import { DeliveryAttemptViewSchema } from '@leadrelay/destinations';

export const FindLeadsQuery = z.object({
  email: z.string().min(1).max(320).optional().describe('Any case and surrounding spaces; normalized as intake does'),
  phone: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("Any format; a national number is read in the partner's defaultCountry when `partner` is given, else US"),
  partner: z.string().min(1).max(63).optional().describe('Partner slug: leads it submitted'),
  externalId: z.string().min(1).max(200).optional().describe("The partner's own id for the lead (needs `partner`)"),
  ...keysetPageQuery,
});

const PartnerRef = z.object({ id: z.uuid(), slug: z.string() });

export const LeadSummary = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  source: z.string().nullable(),
  partner: PartnerRef.describe('The partner that sent the lead first'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const LeadPage = z.object({
  leads: z.array(LeadSummary).describe('Newest first'),
  nextCursor: z.string().nullable().describe('null on the last page'),
});

const DeliveryStatus = z.enum(['pending', 'delivered', 'failed', 'stopped', 'paused']);

const RawSubmissionView = z.object({
  id: z.uuid(),
  partner: PartnerRef,
  route: z.string(),
  payload: z.unknown().describe('The item exactly as the partner sent it; null once retention removed it'),
  receivedAt: z.string(),
  storedAt: z.string(),
  payloadRemovedAt: z
    .string()
    .nullable()
    .describe('When retention removed the payload (RETENTION_RAW_SUBMISSIONS); null while it is kept'),
});

const ConsentView = z.object({
  id: z.uuid(),
  partner: PartnerRef,
  submissionId: z.uuid().describe('The raw submission the consent came in'),
  text: z.string().nullable(),
  ip: z.string().nullable(),
  timestampRaw: z.string().nullable().describe('The timestamp as the partner sent it'),
  givenAt: z.string().nullable().describe('`timestampRaw` parsed, when it is a valid date'),
  createdAt: z.string(),
});

const ExternalIdView = z.object({ partner: PartnerRef, externalId: z.string(), createdAt: z.string() });

const ActivityView = z.object({
  id: z.uuid(),
  submissionId: z.uuid(),
  position: z.number().int(),
  type: z.string(),
  description: z.string(),
  property: z.unknown(),
  source: z.string().nullable(),
  occurredAt: z.string().nullable(),
  createdAt: z.string(),
});

const EventView = z.object({
  id: z.uuid(),
  sequence: z.string().describe('A 64-bit integer, as a decimal string'),
  type: z.enum(['created', 'updated', 'activity_added']),
  submissionId: z.uuid(),
  partnerSlug: z.string(),
  requestId: z.string().nullable(),
  document: z.unknown().describe('The seed 003 lead document at the time of the event; null once retention removed it'),
  documentRemovedAt: z
    .string()
    .nullable()
    .describe('When retention removed the document (RETENTION_DELIVERY_CONTENT); null while it is kept'),
  createdAt: z.string(),
  enqueued: z.boolean().describe('False while the event waits in the outbox for its fan-out job to be enqueued'),
});

const LeadDeliveryView = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  destination: z.object({ id: z.uuid(), name: z.string() }),
  messageId: z.uuid(),
  status: DeliveryStatus,
  attemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const LeadFields = LeadSummary.extend({
  salutation: z.string().nullable(),
  gender: z.string().nullable(),
  age: z.number().int().nullable(),
  dateOfBirth: z.string().nullable(),
  company: z.string().nullable(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  zip: z.string().nullable(),
  country: z.string().nullable(),
  timezone: z.string().nullable(),
  website: z.string().nullable(),
  notes: z.string().nullable(),
  custom: z.unknown(),
  extra: z.unknown().describe('Partner fields LeadRelay carries but does not act on'),
});

const Aliases = z.array(z.uuid()).describe('Other ids intake answered for this person, merged into this lead; GET by one answers this lead');

export const LeadDetail = LeadFields.extend({
  aliases: Aliases,
  rawSubmissions: z.array(RawSubmissionView).describe('Oldest first; the latest 500 at most (see `totals`)'),
  consents: z.array(ConsentView),
  externalIds: z.array(ExternalIdView),
  activities: z.array(ActivityView),
  events: z.array(EventView),
  deliveries: z.array(LeadDeliveryView),
  totals: z
    .object({
      rawSubmissions: z.number().int(),
      consents: z.number().int(),
      externalIds: z.number().int(),
      activities: z.number().int(),
      events: z.number().int(),
      deliveries: z.number().int(),
    })
    .describe('How many of each the lead has; each list above holds the latest 500 at most'),
});

export const findLeadsSchema = {
  operationId: 'findLeads',
  ...adminTokenAuth,
  summary: 'Find leads',
  description:
    'By email, phone, partner, or partner and its external id (filters combine). With no filter, every lead. Cursor pagination, newest first.',
  tags: ['leads'],
  querystring: FindLeadsQuery,
  response: { 200: LeadPage, 400: ErrorBodySchema, 401: ErrorBodySchema, 404: ErrorBodySchema, 429: ErrorBodySchema },
};

export const getLeadSchema = {
  operationId: 'getLead',
  ...adminTokenAuth,
  summary: 'Everything stored about a lead',
  description: 'By its id, or by an alias: an id intake answered that the worker merged into this lead. An erased lead answers 410 `erased`.',
  tags: ['leads'],
  params: z.object({ id: z.uuid() }),
  response: { 200: LeadDetail, 400: ErrorBodySchema, 401: ErrorBodySchema, 404: ErrorBodySchema, 410: ErrorBodySchema, 429: ErrorBodySchema },
};


export const LeadExport = z.object({
  exportedAt: z.string(),
  lead: LeadFields.extend({ aliases: Aliases }),
  rawSubmissions: z
    .array(
      RawSubmissionView.extend({
        sha256: z
          .string()
          .describe('SHA-256 (hex) of `payload` in RFC 8785 canonical JSON; after retention removed the payload, the digest recorded then'),
      }),
    )
    .describe('Oldest first'),
  pendingSubmissions: z
    .array(
      z.object({
        id: z.uuid(),
        leadId: z.uuid().describe('The id the submission names: this lead or one of its aliases'),
        partnerId: z.uuid(),
        payload: z.unknown().describe('The activities as the worker validated them'),
        receivedAt: z.string(),
        storedAt: z.string(),
      }),
    )
    .describe('Activities that arrived before the lead was stored and are not applied yet'),
  consents: z.array(ConsentView),
  externalIds: z.array(ExternalIdView),
  activities: z.array(ActivityView),
  events: z.array(EventView).describe('In event order'),
  deliveries: z.array(
    LeadDeliveryView.extend({
      destination: z.object({ id: z.uuid(), name: z.string(), url: z.string() }),
      documentSent: z
        .unknown()
        .describe("The seed 003 body every attempt sends, with the destination's current partner_id; null once retention removed the event's document"),
      attempts: z.array(DeliveryAttemptViewSchema).describe('Oldest first'),
    }),
  ),
});

export const ConsentEvidenceList = z.object({
  leadId: z.uuid().describe('The lead the id names (itself, or the lead an alias was merged into)'),
  consents: z
    .array(
      ConsentView.extend({
        receivedAt: z.string().describe('When intake received the submission the consent came in'),
        route: z.string().describe('The route it came in on'),
        submissionSha256: z
          .string()
          .describe(
            'SHA-256 (hex) of the stored raw submission `submissionId` in RFC 8785 canonical JSON: the `sha256` of that submission in the export (recorded when retention removed its payload)',
          ),
        submissionPayloadRemovedAt: z
          .string()
          .nullable()
          .describe('When retention removed that submission\'s payload (RETENTION_RAW_SUBMISSIONS); null while it is kept'),
      }),
    )
    .describe('Oldest first'),
});

const LeadIdParams = z.object({ id: z.uuid() });

export const exportLeadSchema = {
  ...adminTokenAuth,
  operationId: 'exportLead',
  summary: "A lead's data as one document, for a data-subject access request",
  description:
    'Everything stored about the person, no list cut: the lead, every raw submission as received (with its SHA-256), activities waiting for it, consents, external ids, activities, events, and every delivery with the document sent and each attempt. By its id or an alias.',
  tags: ['leads'],
  params: LeadIdParams,
  response: { 200: LeadExport, 400: ErrorBodySchema, 401: ErrorBodySchema, 404: ErrorBodySchema, 410: ErrorBodySchema, 429: ErrorBodySchema },
};

export const listLeadConsentsSchema = {
  ...adminTokenAuth,
  operationId: 'listLeadConsents',
  summary: "A lead's consents with their evidence",
  description:
    'Each consent with its text, IP, timestamp as sent and as parsed, the partner, the submission it came in, when that was received, and the SHA-256 of that stored submission. By its id or an alias.',
  tags: ['leads'],
  params: LeadIdParams,
  response: { 200: ConsentEvidenceList, 400: ErrorBodySchema, 401: ErrorBodySchema, 404: ErrorBodySchema, 410: ErrorBodySchema, 429: ErrorBodySchema },
};
