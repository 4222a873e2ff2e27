import type {
  ActivityModel,
  ConsentModel,
  DatabaseClient,
  DeliveryModel,
  DeliveryStatus,
  EventModel,
  EventType,
  ExternalIdModel,
  Prisma,
  RawSubmissionModel,
} from '@leadrelay/db';
import { AppError, decodeKeysetCursor, keysetPage, newestFirst, rowsAfter } from '@leadrelay/http-kit';
import { resolvePersonIdentifiers } from './person-identifiers.ts';

/** Each history list of a lead's detail holds at most this many rows: the latest ones. */
export const leadHistoryLimit = 500;

export interface FindLeadsQuery {
  /** Any case, any surrounding spaces: normalized as intake does. */
  email?: string;
  /** Any format libphonenumber reads; national numbers in the partner's defaultCountry, else US. */
  phone?: string;
  /** Partner slug: leads it submitted, or with `externalId`, the lead it knows by that id. */
  partner?: string;
  externalId?: string;
  limit: number;
  cursor?: string;
}

export interface PartnerRef {
  id: string;
  slug: string;
}

export interface LeadSummary {
  id: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  source: string | null;
  partner: PartnerRef;
  createdAt: string;
  updatedAt: string;
}

export interface LeadPage {
  leads: LeadSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface LeadDetail extends LeadSummary {
  salutation: string | null;
  gender: string | null;
  age: number | null;
  dateOfBirth: string | null;
  company: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  country: string | null;
  timezone: string | null;
  website: string | null;
  notes: string | null;
  custom: unknown;
  extra: unknown;
  /** Other ids intake answered for this person before the worker merged them into this lead. */
  aliases: string[];
  rawSubmissions: {
    id: string;
    partner: PartnerRef;
    route: string;
    /** Null once retention removed it (`payloadRemovedAt`). */
    payload: unknown;
    receivedAt: string;
    storedAt: string;
    /** When retention removed the payload (RETENTION_RAW_SUBMISSIONS); null while it is kept. */
    payloadRemovedAt: string | null;
  }[];
  consents: {
    id: string;
    partner: PartnerRef;
    submissionId: string;
    text: string | null;
    ip: string | null;
    timestampRaw: string | null;
    givenAt: string | null;
    createdAt: string;
  }[];
  externalIds: { partner: PartnerRef; externalId: string; createdAt: string }[];
  activities: {
    id: string;
    submissionId: string;
    position: number;
    type: string;
    description: string;
    property: unknown;
    source: string | null;
    occurredAt: string | null;
    createdAt: string;
  }[];
  events: {
    id: string;
    /** A decimal string: the sequence is a 64-bit integer. */
    sequence: string;
    type: EventType;
    submissionId: string;
    partnerSlug: string;
    requestId: string | null;
    /** Null once retention removed it (`documentRemovedAt`). */
    document: unknown;
    /** When retention removed the document (RETENTION_DELIVERY_CONTENT); null while it is kept. */
    documentRemovedAt: string | null;
    createdAt: string;
    /** False while the event waits on the outbox list for its fan-out job to reach Redis. */
    enqueued: boolean;
  }[];
  deliveries: {
    id: string;
    eventId: string;
    destination: { id: string; name: string };
    messageId: string;
    status: DeliveryStatus;
    attemptCount: number;
    nextAttemptAt: string | null;
    lastError: string | null;
    deliveredAt: string | null;
    createdAt: string;
    updatedAt: string;
  }[];
  /** How many of each the lead has in all; a list is cut to the latest `leadHistoryLimit`. */
  totals: { rawSubmissions: number; consents: number; externalIds: number; activities: number; events: number; deliveries: number };
}

export const partnerRef = { select: { id: true, slug: true } } as const;
const latest = { take: leadHistoryLimit } as const;

/** Finds leads the way a partner or an operator names them, and shows everything stored about one. */
export class LeadDirectory {
  constructor(private readonly db: DatabaseClient) {}

  async find(query: FindLeadsQuery): Promise<LeadPage> {
    const conditions = await this.#conditions(query);
    if (query.cursor) conditions.push(rowsAfter(decodeKeysetCursor(query.cursor)));
    const rows = await this.db.lead.findMany({
      where: { AND: conditions },
      orderBy: newestFirst,
      take: query.limit + 1,
      include: { partner: partnerRef },
    });
    const page = keysetPage(rows, query.limit);
    return { leads: page.rows.map(toLeadSummary), nextCursor: page.nextCursor };
  }

  /** By the lead's id, or by an id intake answered that the worker merged into it (an alias). */
  async get(id: string): Promise<LeadDetail> {
    const leadId = await this.leadIdOf(id);
    const lead = await this.db.lead.findUnique({
      where: { id: leadId },
      include: {
        partner: partnerRef,
        aliases: { orderBy: { createdAt: 'asc' }, select: { id: true } },
        rawSubmissions: { ...latest, orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }], include: { partner: partnerRef } },
        consents: { ...latest, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], include: { partner: partnerRef } },
        externalIds: { ...latest, orderBy: { createdAt: 'desc' }, include: { partner: partnerRef } },
        activities: { ...latest, orderBy: [{ createdAt: 'desc' }, { submissionId: 'desc' }, { position: 'desc' }] },
        events: { ...latest, orderBy: { sequence: 'desc' } },
        _count: { select: { rawSubmissions: true, consents: true, externalIds: true, activities: true, events: true } },
      },
    });
    if (!lead) throw leadNotFound(id);
    const deliveryFilter = { event: { leadId } };
    const [deliveries, deliveryTotal, waitingEvents] = await Promise.all([
      this.db.delivery.findMany({
        ...latest,
        where: deliveryFilter,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        include: { destination: { select: { id: true, name: true } } },
      }),
      this.db.delivery.count({ where: deliveryFilter }),
      this.db.outboxEntry.findMany({ where: { eventId: { in: lead.events.map((event) => event.id) } }, select: { eventId: true } }),
    ]);
    const waitingEventIds = new Set(waitingEvents.map((entry) => entry.eventId));
    return {
      ...toLeadFields(lead),
      aliases: lead.aliases.map((leadAlias) => leadAlias.id),
      // Fetched newest first so the cut keeps the latest; shown oldest first, as a history reads.
      rawSubmissions: lead.rawSubmissions.reverse().map(toRawSubmissionView),
      consents: lead.consents.reverse().map(toConsentView),
      externalIds: lead.externalIds.reverse().map(toExternalIdView),
      activities: lead.activities.reverse().map(toActivityView),
      events: lead.events.reverse().map((event) => toEventView(event, !waitingEventIds.has(event.id))),
      deliveries: deliveries.reverse().map(toLeadDeliveryView),
      totals: { ...lead._count, deliveries: deliveryTotal },
    };
  }

  /**
   * The id of the lead `id` names: its own, or the lead an alias was merged into. An erased lead's
   * id (or alias) still resolves: to 410 `erased`, saying when and by which erasure.
   */
  async leadIdOf(id: string): Promise<string> {
    const alias = await this.db.leadAlias.findUnique({ where: { id }, select: { leadId: true } });
    const leadId = alias?.leadId ?? id;
    const tombstone = await this.db.lead.findUnique({ where: { id: leadId }, select: { erasedAt: true, erasureId: true } });
    if (tombstone?.erasedAt) {
      throw new AppError('erased', `lead ${id} was erased at ${tombstone.erasedAt.toISOString()} (erasure ${tombstone.erasureId}); only its id and partner are kept`);
    }
    return leadId;
  }

  /** The query as conditions on leads, normalized exactly as intake normalizes what it stores. */
  async #conditions(query: FindLeadsQuery): Promise<Prisma.LeadWhereInput[]> {
    const { email, phone, partner, externalId } = await resolvePersonIdentifiers(this.db, query, 'querystring');
    // Tombstones hold nothing to find a person by; a partner's list leaves them out too.
    const conditions: Prisma.LeadWhereInput[] = [{ erasedAt: null }];
    if (email !== null) conditions.push({ email });
    if (phone !== null) conditions.push({ phone });
    if (partner && externalId !== null) {
      conditions.push({ externalIds: { some: { partnerId: partner.id, externalId } } });
    } else if (partner) {
      // Leads the partner submitted, including duplicates of leads another partner sent first.
      conditions.push({ rawSubmissions: { some: { partnerId: partner.id } } });
    }
    return conditions;
  }
}

export function leadNotFound(id: string): AppError {
  return new AppError('not_found', `no lead ${id} (an accepted lead appears once the worker has stored it)`);
}

function toLeadSummary(lead: {
  id: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  source: string | null;
  partner: PartnerRef;
  createdAt: Date;
  updatedAt: Date;
}): LeadSummary {
  return {
    id: lead.id,
    email: lead.email,
    phone: lead.phone,
    firstName: lead.firstName,
    lastName: lead.lastName,
    source: lead.source,
    partner: lead.partner,
    createdAt: lead.createdAt.toISOString(),
    updatedAt: lead.updatedAt.toISOString(),
  };
}

/** The lead's own columns: what a detail and an export show of the row itself. */
export type LeadFields = Omit<
  LeadDetail,
  'aliases' | 'rawSubmissions' | 'consents' | 'externalIds' | 'activities' | 'events' | 'deliveries' | 'totals'
>;

export function toLeadFields(lead: Prisma.LeadGetPayload<{ include: { partner: typeof partnerRef } }>): LeadFields {
  return {
    ...toLeadSummary(lead),
    salutation: lead.salutation,
    gender: lead.gender,
    age: lead.age,
    dateOfBirth: lead.dateOfBirth,
    company: lead.company,
    address: lead.address,
    city: lead.city,
    state: lead.state,
    zip: lead.zip,
    country: lead.country,
    timezone: lead.timezone,
    website: lead.website,
    notes: lead.notes,
    custom: lead.custom,
    extra: lead.extra,
  };
}

type WithPartner<Row> = Row & { partner: PartnerRef };

export function toRawSubmissionView(submission: WithPartner<RawSubmissionModel>): LeadDetail['rawSubmissions'][number] {
  return {
    id: submission.id,
    partner: submission.partner,
    route: submission.route,
    payload: submission.payload,
    receivedAt: submission.receivedAt.toISOString(),
    storedAt: submission.storedAt.toISOString(),
    payloadRemovedAt: submission.payloadRemovedAt?.toISOString() ?? null,
  };
}

export function toConsentView(consent: WithPartner<ConsentModel>): LeadDetail['consents'][number] {
  return {
    id: consent.id,
    partner: consent.partner,
    submissionId: consent.submissionId,
    text: consent.text,
    ip: consent.ip,
    timestampRaw: consent.timestampRaw,
    givenAt: consent.givenAt?.toISOString() ?? null,
    createdAt: consent.createdAt.toISOString(),
  };
}

export function toExternalIdView(externalId: WithPartner<ExternalIdModel>): LeadDetail['externalIds'][number] {
  return { partner: externalId.partner, externalId: externalId.externalId, createdAt: externalId.createdAt.toISOString() };
}

export function toActivityView(activity: ActivityModel): LeadDetail['activities'][number] {
  return {
    id: activity.id,
    submissionId: activity.submissionId,
    position: activity.position,
    type: activity.type,
    description: activity.description,
    property: activity.property,
    source: activity.source,
    occurredAt: activity.occurredAt?.toISOString() ?? null,
    createdAt: activity.createdAt.toISOString(),
  };
}

/** `enqueued`: false while the event waits on the outbox list for its fan-out job. */
export function toEventView(event: EventModel, enqueued: boolean): LeadDetail['events'][number] {
  return {
    id: event.id,
    sequence: event.sequence.toString(),
    type: event.type,
    submissionId: event.submissionId,
    partnerSlug: event.partnerSlug,
    requestId: event.requestId,
    document: event.document,
    documentRemovedAt: event.documentRemovedAt?.toISOString() ?? null,
    createdAt: event.createdAt.toISOString(),
    enqueued,
  };
}

export function toLeadDeliveryView(delivery: DeliveryModel & { destination: { id: string; name: string } }): LeadDetail['deliveries'][number] {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    destination: { id: delivery.destination.id, name: delivery.destination.name },
    messageId: delivery.messageId,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
  };
}
