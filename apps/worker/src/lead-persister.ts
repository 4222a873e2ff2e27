import { randomUUID } from 'node:crypto';
import { Prisma, withTransaction, type DatabaseClient, type TransactionClient } from '@leadrelay/db';
import { buildLeadDocument, type LeadAction, type NormalizedActivity } from '@leadrelay/lead';
import type { AppendActivitiesPayload, PersistLeadPayload } from '@leadrelay/queue';
import { leadChanges, leadColumns } from './lead-fields.ts';

/** Thrown when a duplicate arrives before the lead it duplicates is stored; the job is retried. */
export class LeadNotStoredYetError extends Error {
  override readonly name = 'LeadNotStoredYetError';
}

export interface PersistOutcome {
  leadId: string;
  /** What happened to the lead in PostgreSQL. */
  outcome: 'created' | 'merged' | 'updated' | 'already_processed';
  /** Events written by this submission: the outbox relay enqueues them. */
  eventIds: string[];
}

export interface PersistOptions {
  /**
   * When a duplicate's lead is still missing after retries (its claim outlived a lost job),
   * the submission creates it under the id intake answered with.
   */
  createMissingDuplicate: boolean;
}

type SubmissionPayload = Pick<PersistLeadPayload, 'submissionId' | 'partnerId' | 'route' | 'receivedAt' | 'requestId' | 'raw'>;

/**
 * The worker's rules for one submission, in one transaction: idempotent (a submission is
 * stored once however often its job runs), duplicates merged, events written as an outbox.
 */
export class LeadPersister {
  constructor(private readonly db: DatabaseClient) {}

  persistLead(job: PersistLeadPayload, options: PersistOptions): Promise<PersistOutcome> {
    return withTransaction(this.db, async (tx) => {
      const processed = await this.#alreadyProcessed(tx, job.submissionId);
      if (processed) return processed;

      let lead = await tx.lead.findUnique({ where: { id: job.leadId } });
      if (!lead && job.decision !== 'created' && !options.createMissingDuplicate) {
        throw new LeadNotStoredYetError(`lead ${job.leadId} is not stored yet`);
      }
      if (!lead) {
        // Redis identity claims can be lost (a flushed Redis); the unique indexes decide then.
        lead = await this.#findByIdentity(tx, job.lead.email, job.lead.phone);
      }

      const events: { type: LeadAction; activities: NormalizedActivity[] }[] = [];
      let outcome: PersistOutcome['outcome'];
      let leadId: string;
      if (!lead) {
        leadId = job.leadId;
        await tx.lead.create({ data: { id: leadId, partnerId: job.partnerId, ...leadColumns(job.lead) } as Prisma.LeadUncheckedCreateInput });
        outcome = 'created';
      } else {
        leadId = lead.id;
        outcome = 'merged';
        if (job.decision === 'updated') {
          const changes = await this.#withoutTakenIdentity(tx, leadId, leadChanges(lead as never, job.lead));
          if (Object.keys(changes).length > 0) {
            await tx.lead.update({ where: { id: leadId }, data: changes });
            outcome = 'updated';
          }
        }
      }

      await this.#recordSubmission(tx, leadId, job);
      const activities = job.lead.activities ?? [];
      await this.#insertActivities(tx, leadId, job.submissionId, activities);

      if (outcome === 'created') {
        await this.#adoptPendingActivities(tx, leadId);
        events.push({ type: 'created', activities: [] });
      } else if (outcome === 'updated') {
        events.push({ type: 'updated', activities });
      } else if (activities.length > 0) {
        events.push({ type: 'activity_added', activities });
      }
      const eventIds = await this.#writeEvents(tx, leadId, job, events);
      return { leadId, outcome, eventIds };
    });
  }

  /** Activities for a lead: stored with it, or kept pending when the lead is not stored yet. */
  appendActivities(job: AppendActivitiesPayload): Promise<PersistOutcome> {
    return withTransaction(this.db, async (tx) => {
      const processed = await this.#alreadyProcessed(tx, job.submissionId);
      if (processed) return processed;
      const lead = await tx.lead.findUnique({ where: { id: job.leadId }, select: { id: true } });
      if (!lead) {
        await tx.pendingSubmission.createMany({
          data: [{ id: job.submissionId, leadId: job.leadId, payload: job as unknown as Prisma.InputJsonValue, receivedAt: new Date(job.receivedAt) }],
          skipDuplicates: true,
        });
        return { leadId: job.leadId, outcome: 'already_processed', eventIds: [] };
      }
      await this.#recordSubmission(tx, job.leadId, job);
      await this.#insertActivities(tx, job.leadId, job.submissionId, job.activities);
      const eventIds = await this.#writeEvents(tx, job.leadId, job, [{ type: 'activity_added', activities: job.activities }]);
      return { leadId: job.leadId, outcome: 'merged', eventIds };
    });
  }

  async #alreadyProcessed(tx: TransactionClient, submissionId: string): Promise<PersistOutcome | null> {
    const submission = await tx.rawSubmission.findUnique({ where: { id: submissionId }, select: { leadId: true } });
    if (!submission) return null;
    const events = await tx.event.findMany({ where: { submissionId }, select: { id: true } });
    return { leadId: submission.leadId, outcome: 'already_processed', eventIds: events.map((event) => event.id) };
  }

  async #findByIdentity(tx: TransactionClient, email?: string, phone?: string) {
    const or: Prisma.LeadWhereInput[] = [];
    if (email) or.push({ email });
    if (phone) or.push({ phone });
    if (or.length === 0) return null;
    return tx.lead.findFirst({ where: { OR: or }, orderBy: { createdAt: 'asc' } });
  }

  /** An update never moves an email or phone that already identifies another lead. */
  async #withoutTakenIdentity(tx: TransactionClient, leadId: string, changes: Record<string, unknown>) {
    for (const field of ['email', 'phone'] as const) {
      const value = changes[field];
      if (typeof value !== 'string') continue;
      const owner = await tx.lead.findFirst({ where: { [field]: value, NOT: { id: leadId } }, select: { id: true } });
      if (owner) delete changes[field];
    }
    return changes;
  }

  async #recordSubmission(tx: TransactionClient, leadId: string, job: SubmissionPayload & { lead?: PersistLeadPayload['lead'] }) {
    await tx.rawSubmission.create({
      data: {
        id: job.submissionId,
        leadId,
        partnerId: job.partnerId,
        route: job.route,
        payload: (job.raw ?? null) as Prisma.InputJsonValue,
        receivedAt: new Date(job.receivedAt),
      },
    });
    if (job.lead?.externalId) {
      await tx.externalId.createMany({
        data: [{ partnerId: job.partnerId, externalId: job.lead.externalId, leadId }],
        skipDuplicates: true,
      });
    }
    const consent = job.lead?.consent;
    if (consent && Object.keys(consent).length > 0) {
      await tx.consent.create({
        data: {
          id: randomUUID(),
          leadId,
          partnerId: job.partnerId,
          submissionId: job.submissionId,
          text: consent.text ?? null,
          ip: consent.ip ?? null,
          timestampRaw: consent.timestampRaw ?? null,
          givenAt: consent.givenAt ? new Date(consent.givenAt) : null,
        },
      });
    }
  }

  async #insertActivities(tx: TransactionClient, leadId: string, submissionId: string, activities: NormalizedActivity[]) {
    if (activities.length === 0) return;
    await tx.activity.createMany({
      data: activities.map((activity, position) => ({
        id: randomUUID(),
        leadId,
        submissionId,
        position,
        ...activityColumns(activity),
      })),
      skipDuplicates: true,
    });
  }

  /** Activities that arrived before their lead join it now, in the order they arrived. */
  async #adoptPendingActivities(tx: TransactionClient, leadId: string) {
    const pending = await tx.pendingSubmission.findMany({ where: { leadId }, orderBy: { receivedAt: 'asc' } });
    for (const { payload } of pending) {
      const job = payload as unknown as AppendActivitiesPayload;
      await this.#recordSubmission(tx, leadId, job);
      await this.#insertActivities(tx, leadId, job.submissionId, job.activities);
    }
    await tx.pendingSubmission.deleteMany({ where: { leadId } });
  }

  async #writeEvents(
    tx: TransactionClient,
    leadId: string,
    job: SubmissionPayload,
    events: { type: LeadAction; activities: NormalizedActivity[] }[],
  ): Promise<string[]> {
    if (events.length === 0) return [];
    const lead = await tx.lead.findUniqueOrThrow({ where: { id: leadId }, include: { partner: true } });
    const ids: string[] = [];
    for (const event of events) {
      const activities =
        event.type === 'created'
          ? await tx.activity.findMany({ where: { leadId }, orderBy: [{ createdAt: 'asc' }, { position: 'asc' }] })
          : await tx.activity.findMany({ where: { leadId, submissionId: job.submissionId }, orderBy: { position: 'asc' } });
      const document = buildLeadDocument(event.type, lead, lead.partner, activities);
      const id = randomUUID();
      await tx.event.create({
        data: {
          id,
          leadId,
          type: event.type,
          submissionId: job.submissionId,
          partnerSlug: lead.partner.slug,
          document: document as unknown as Prisma.InputJsonValue,
          requestId: job.requestId ?? null,
        },
      });
      ids.push(id);
    }
    return ids;
  }
}

function activityColumns(activity: NormalizedActivity) {
  return {
    type: activity.type,
    description: activity.description,
    property: (activity.property as Prisma.InputJsonValue | undefined) ?? Prisma.DbNull,
    source: activity.source ?? null,
    occurredAt: activity.occurredAt ? new Date(activity.occurredAt) : null,
  };
}
