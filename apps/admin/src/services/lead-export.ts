import type { DatabaseClient } from '@leadrelay/db';
import { rawSubmissionSha256, serializeLeadDocument, type LeadDocument } from '@leadrelay/lead';
import { toDeliveryAttemptView, type DeliveryAttemptView } from '@leadrelay/destinations';
import {
  leadNotFound,
  partnerRef,
  toActivityView,
  toConsentView,
  toEventView,
  toExternalIdView,
  toLeadDeliveryView,
  toLeadFields,
  toRawSubmissionView,
  type LeadDetail,
  type LeadDirectory,
  type LeadFields,
} from './lead-directory.ts';

type RawSubmissionView = LeadDetail['rawSubmissions'][number];
type ConsentView = LeadDetail['consents'][number];

/** Everything stored about one person, for a data-subject access request: no list is cut. */
export interface LeadExport {
  exportedAt: string;
  lead: LeadFields & { aliases: string[] };
  rawSubmissions: (RawSubmissionView & { sha256: string })[];
  /** Activities naming this lead (or an alias) that the worker set aside and has not applied yet. */
  pendingSubmissions: { id: string; leadId: string; partnerId: string; payload: unknown; receivedAt: string; storedAt: string }[];
  consents: ConsentView[];
  externalIds: LeadDetail['externalIds'];
  activities: LeadDetail['activities'];
  events: LeadDetail['events'];
  deliveries: (Omit<LeadDetail['deliveries'][number], 'destination'> & {
    destination: { id: string; name: string; url: string };
    /** The seed 003 body as built for the destination (its current `partner_id`); null once retention removed it. */
    documentSent: unknown;
    attempts: DeliveryAttemptView[];
  })[];
}

/** A consent with what proves it: the submission it came in, when that arrived, and its digest. */
export interface ConsentEvidence extends ConsentView {
  receivedAt: string;
  route: string;
  /**
   * SHA-256 (hex) of the stored raw submission in RFC 8785 canonical JSON (`rawSubmissionSha256`);
   * once retention removed its payload, the digest recorded then.
   */
  submissionSha256: string;
  /** When retention removed that submission's payload; null while it is kept. */
  submissionPayloadRemovedAt: string | null;
}

const oldestFirst = { createdAt: 'asc' } as const;

/** What a data-subject access request and a consent audit ask of one lead. */
export class LeadExporter {
  constructor(
    private readonly db: DatabaseClient,
    private readonly directory: LeadDirectory,
  ) {}

  /** By the lead's id or an alias, as `GET /v1/leads/:id`. */
  async exportLead(id: string): Promise<LeadExport> {
    const leadId = await this.directory.leadIdOf(id);
    const lead = await this.db.lead.findUnique({
      where: { id: leadId },
      include: {
        partner: partnerRef,
        aliases: { orderBy: oldestFirst, select: { id: true } },
        rawSubmissions: { orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }], include: { partner: partnerRef } },
        consents: { orderBy: [oldestFirst, { id: 'asc' }], include: { partner: partnerRef } },
        externalIds: { orderBy: oldestFirst, include: { partner: partnerRef } },
        activities: { orderBy: [oldestFirst, { submissionId: 'asc' }, { position: 'asc' }] },
        events: { orderBy: { sequence: 'asc' } },
      },
    });
    if (!lead) throw leadNotFound(id);
    const aliases = lead.aliases.map((leadAlias) => leadAlias.id);
    const eventIds = lead.events.map((event) => event.id);
    const [pending, deliveries, waitingEvents] = await Promise.all([
      this.db.pendingSubmission.findMany({ where: { leadId: { in: [leadId, ...aliases] } }, orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] }),
      this.db.delivery.findMany({
        where: { eventId: { in: eventIds } },
        orderBy: [oldestFirst, { id: 'asc' }],
        include: {
          destination: { select: { id: true, name: true, url: true, partnerId: true } },
          attempts: { orderBy: { number: 'asc' } },
        },
      }),
      this.db.outboxEntry.findMany({ where: { eventId: { in: eventIds } }, select: { eventId: true } }),
    ]);
    const waitingEventIds = new Set(waitingEvents.map((entry) => entry.eventId));
    // The worker stored each event's document with buildLeadDocument; every attempt sends it so.
    const documentOf = new Map(lead.events.map((event) => [event.id, event.document as unknown as LeadDocument | null]));
    return {
      exportedAt: new Date().toISOString(),
      lead: { ...toLeadFields(lead), aliases },
      rawSubmissions: lead.rawSubmissions.map((submission) => ({ ...toRawSubmissionView(submission), sha256: submissionDigest(submission) })),
      pendingSubmissions: pending.map((submission) => ({
        id: submission.id,
        leadId: submission.leadId,
        partnerId: submission.partnerId,
        payload: submission.payload,
        receivedAt: submission.receivedAt.toISOString(),
        storedAt: submission.storedAt.toISOString(),
      })),
      consents: lead.consents.map(toConsentView),
      externalIds: lead.externalIds.map(toExternalIdView),
      activities: lead.activities.map(toActivityView),
      events: lead.events.map((event) => toEventView(event, !waitingEventIds.has(event.id))),
      deliveries: deliveries.map((delivery) => ({
        ...toLeadDeliveryView(delivery),
        destination: { id: delivery.destination.id, name: delivery.destination.name, url: delivery.destination.url },
        documentSent: sentDocument(documentOf.get(delivery.eventId) ?? null, delivery.destination.partnerId),
        attempts: delivery.attempts.map((attempt) => toDeliveryAttemptView(attempt, documentOf.get(delivery.eventId) ?? null)),
      })),
    };
  }

  /** Each consent of the lead (by its id or an alias), oldest first, with its evidence. */
  async consentEvidence(id: string): Promise<{ leadId: string; consents: ConsentEvidence[] }> {
    const leadId = await this.directory.leadIdOf(id);
    const lead = await this.db.lead.findUnique({
      where: { id: leadId },
      select: { consents: { orderBy: [oldestFirst, { id: 'asc' }], include: { partner: partnerRef } } },
    });
    if (!lead) throw leadNotFound(id);
    const submissions = await this.db.rawSubmission.findMany({
      where: { id: { in: lead.consents.map((consent) => consent.submissionId) } },
      select: { id: true, route: true, payload: true, payloadSha256: true, payloadRemovedAt: true, receivedAt: true },
    });
    const submissionById = new Map(submissions.map((submission) => [submission.id, submission]));
    return {
      leadId,
      consents: lead.consents.map((consent) => {
        const submission = submissionById.get(consent.submissionId);
        // The worker writes a consent in the transaction that writes its raw submission.
        if (!submission) throw new Error(`consent ${consent.id} names submission ${consent.submissionId}, which is not stored`);
        return {
          ...toConsentView(consent),
          receivedAt: submission.receivedAt.toISOString(),
          route: submission.route,
          submissionSha256: submissionDigest(submission),
          submissionPayloadRemovedAt: submission.payloadRemovedAt?.toISOString() ?? null,
        };
      }),
    };
  }
}

/** The digest of a stored submission: taken now from its payload, or recorded when retention removed it. */
function submissionDigest(submission: { id: string; payload: unknown; payloadSha256: string | null; payloadRemovedAt: Date | null }): string {
  if (!submission.payloadRemovedAt) return rawSubmissionSha256(submission.payload);
  // The sweep records the digest in the statement that removes the payload.
  if (!submission.payloadSha256) throw new Error(`raw submission ${submission.id} has neither its payload nor its digest`);
  return submission.payloadSha256;
}

function sentDocument(document: LeadDocument | null, partnerId: string | null): unknown {
  return document === null ? null : JSON.parse(serializeLeadDocument(document, partnerId));
}
