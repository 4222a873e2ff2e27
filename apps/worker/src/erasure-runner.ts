import type { Job, Queue } from 'bullmq';
import { Prisma, addErasureCounts, erasedDeliveryReason, recordSuppressions, withTransaction, type DatabaseClient, type ErasureCounts, type TransactionClient } from '@leadrelay/db';
import { identityKeys, suppressionHashes } from '@leadrelay/lead';
import { jobCatalog } from '@leadrelay/queue';
import { holdErasureFenceExclusiveSql } from './erasure-fence.ts';
import type { IdentityClaimKeeper } from './identity-claim-keeper.ts';
import { scalarLeadColumns } from './lead-fields.ts';
import { stubRawSubmissions } from './raw-submission-stub.ts';
import type { SweepLock } from './retention-sweeper.ts';
import type { SuppressionListKeeper } from './suppression-list-keeper.ts';
import { ErasureNotFinishedError } from './erasure-not-finished-error.ts';

export interface ErasureRunnerOptions {
  db: DatabaseClient;
  /** One runner at a time over every worker instance (a PostgreSQL session advisory lock). */
  lock: SweepLock;
  /** Removes the person's identity claims from Redis. */
  claims: IdentityClaimKeeper;
  /** Puts the erasure's suppression hashes in intake's Redis copy. */
  suppressions: SuppressionListKeeper;
  /** SUPPRESSION_HASH_KEY. */
  suppressionHashKey: string;
  /** The leads queue: its jobs carry submissions, personal data included. */
  leadsQueue: Queue;
  /** Jobs read per round trip while looking through the leads queue. */
  jobPageSize?: number;
  /** Called with what each completed erasure removed, e.g. for logs and metrics. */
  onCompleted?(erasureId: string, counts: ErasureCounts): void;
}

/** The person an erasure names, and the leads found for them. */
interface ErasureTarget {
  id: string;
  /** False for RETENTION_LEADS: the leads go, the person may come back. */
  suppress: boolean;
  email: string | null;
  phone: string | null;
  partnerId: string | null;
  externalId: string | null;
  leadIds: string[];
  identityKeys: string[];
}

// A leads-queue job's states in which it still holds its data.
const jobStates = ['waiting', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed', 'active'] as const;

/**
 * Carries out the erasures the admin API records, oldest first. Each goes in steps, each of which
 * may run again after a crash and then finds nothing more to do, and each adds what it removed to
 * the erasure's counts as it commits (a Redis step killed between its removal and its count
 * under-counts what it removed; nothing is left behind):
 *
 * 1. resolve: the suppression hashes of the person's emails and phones are recorded (from then on
 *    the worker stores nothing of them), and their leads (by email, phone, or the partner's
 *    external id) and identity keys, before any of them is removed;
 * 2. Redis: the suppression hashes go into intake's copy, the identity claims go, and every leads-queue job carrying the person is removed, or
 *    rewritten without their submissions when it carries others too;
 * 3. PostgreSQL, in one transaction behind the erasure fence (see erasure-fence.ts): the leads are
 *    looked for again (one a persist transaction committed since step 1 is added) and become
 *    tombstones, their raw submissions stubs, their consents, activities and pending submissions
 *    are deleted, their event documents and attempt answers removed, and their deliveries not yet
 *    made stopped;
 * 4. Redis again, for what step 3 added and jobs that completed meanwhile;
 * 5. completed: the identifiers themselves are removed from the erasure.
 *
 * A job that carries the person while a worker holds it (active) cannot be rewritten: the erasure
 * is then left running and taken up again on the next round, once the job has finished.
 */
export class ErasureRunner {
  readonly #options: ErasureRunnerOptions;
  readonly #jobPageSize: number;
  #closed = false;

  constructor(options: ErasureRunnerOptions) {
    this.#options = options;
    this.#jobPageSize = options.jobPageSize ?? 500;
  }

  /** Carries out every erasure not completed; returns how many it completed (0 when another worker runs them). */
  async runPending(): Promise<number> {
    const { db, lock } = this.#options;
    if (this.#closed || !(await lock.tryAcquire())) return 0;
    let completed = 0;
    try {
      while (!this.#closed) {
        const erasure = await db.erasure.findFirst({ where: { status: { not: 'completed' } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
        if (!erasure) break;
        const target = erasure.resolvedAt ? (erasure as ErasureTarget) : await this.#resolve(erasure.id);
        await this.#eraseFromRedis(target);
        const erased = await this.#eraseFromPostgres(target);
        await this.#eraseFromRedis(erased);
        const counts = await this.#complete(erased.id);
        this.#options.onCompleted?.(erased.id, counts);
        completed += 1;
      }
    } finally {
      await lock.release();
    }
    return completed;
  }

  /** The round in progress stops after its current step. */
  close(): void {
    this.#closed = true;
  }

  async #resolve(erasureId: string): Promise<ErasureTarget> {
    return withTransaction(this.#options.db, async (tx) => {
      const erasure = await tx.erasure.findUniqueOrThrow({ where: { id: erasureId } });
      const found = await this.#findLeads(tx, erasure);
      // First of all: from its commit on, no persist transaction stores the person again.
      await recordSuppressions(tx, found.suppressionHashes, 'erasure', erasureId);
      return tx.erasure.update({
        where: { id: erasureId },
        data: { status: 'running', resolvedAt: new Date(), leadIds: found.leadIds, identityKeys: found.identityKeys, counts: addErasureCounts(erasure.counts) },
      });
    });
  }

  /** The person's leads and identity keys, with those already recorded in `known`. */
  async #findLeads(tx: TransactionClient, known: ErasureTarget): Promise<{ leadIds: string[]; identityKeys: string[]; suppressionHashes: string[] }> {
    const leads = await tx.$queryRaw<{ id: string; email: string | null; phone: string | null }[]>`
      SELECT id::text AS id, email, phone FROM leads
      WHERE email = ${known.email} OR phone = ${known.phone} OR id = ANY(${known.leadIds}::uuid[])
         OR id IN (SELECT lead_id FROM external_ids WHERE partner_id = ${known.partnerId}::uuid AND external_id = ${known.externalId})`;
    // The request's email and phone, and those of every lead found (a lead found by phone may hold another email).
    const people = [known, ...leads].map((person) => ({ email: person.email ?? undefined, phone: person.phone ?? undefined }));
    return {
      leadIds: [...new Set([...known.leadIds, ...leads.map((lead) => lead.id)])],
      identityKeys: [...new Set([...known.identityKeys, ...people.flatMap((person) => identityKeys(person))])],
      suppressionHashes: known.suppress ? people.flatMap((person) => suppressionHashes(person, this.#options.suppressionHashKey)) : [],
    };
  }

  async #eraseFromRedis(target: ErasureTarget): Promise<void> {
    const recorded = await this.#options.db.suppression.findMany({ where: { erasureId: target.id }, select: { hash: true } });
    await this.#options.suppressions.publish(recorded.map((row) => row.hash));
    const redisKeys = await this.#options.claims.release(target.identityKeys);
    const { rewritten, held } = await this.#eraseFromJobs(target);
    await this.#addCounts(target.id, { redisKeys, queuedJobs: rewritten });
    if (held > 0) throw new ErasureNotFinishedError(`${held} job(s) carrying the person are being processed; the erasure goes on once they finish`);
  }

  /** Removes the person's submissions from every leads-queue job that holds data; counts the jobs changed and those held by a worker. */
  async #eraseFromJobs(target: ErasureTarget): Promise<{ rewritten: number; held: number }> {
    const queue = this.#options.leadsQueue;
    const leadIds = new Set([...target.leadIds, ...(await this.#aliasIds(target.leadIds))]);
    const isThePerson = (submission: unknown): boolean => {
      const { leadId, partnerId, lead } = (submission ?? {}) as { leadId?: string; partnerId?: string; lead?: { email?: string; phone?: string; externalId?: string } };
      return (
        (leadId !== undefined && leadIds.has(leadId)) ||
        (target.email !== null && lead?.email === target.email) ||
        (target.phone !== null && lead?.phone === target.phone) ||
        (target.externalId !== null && partnerId === target.partnerId && lead?.externalId === target.externalId)
      );
    };
    let rewritten = 0;
    let held = 0;
    for (const state of jobStates) {
      const matches: Job[] = [];
      for (let start = 0; ; start += this.#jobPageSize) {
        const jobs = await queue.getJobs([state], start, start + this.#jobPageSize - 1);
        for (const job of jobs) if (job && carried(job).some(isThePerson)) matches.push(job);
        if (jobs.length < this.#jobPageSize) break;
      }
      for (const job of matches) {
        if (state === 'active') {
          held += 1;
          continue;
        }
        const others = carried(job).filter((submission) => !isThePerson(submission));
        if (others.length === 0 || job.name !== jobCatalog.persistLeads.name) await job.remove();
        else await job.updateData({ ...(job.data as object), submissions: others });
        rewritten += 1;
      }
    }
    return { rewritten, held };
  }

  async #aliasIds(leadIds: string[]): Promise<string[]> {
    if (leadIds.length === 0) return [];
    const rows = await this.#options.db.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM lead_aliases WHERE lead_id = ANY(${leadIds}::uuid[])`;
    return rows.map((row) => row.id);
  }

  async #eraseFromPostgres(target: ErasureTarget): Promise<ErasureTarget> {
    return withTransaction(
      this.#options.db,
      async (tx) => {
        // Waits for the persist transactions under way: a lead one of them commits is found below.
        await tx.$queryRaw(holdErasureFenceExclusiveSql);
        const found = await this.#findLeads(tx, target);
        await recordSuppressions(tx, found.suppressionHashes, 'erasure', target.id);
        const ids = found.leadIds;
        const now = new Date();
        const aliasIds = (await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM lead_aliases WHERE lead_id = ANY(${ids}::uuid[])`).map((row) => row.id);
        const personalColumns = Prisma.raw([...scalarLeadColumns.map(({ column }) => `"${column}" = NULL`), `custom = '{}'`, `extra = '{}'`].join(', '));
        const leads = await tx.$executeRaw`
          UPDATE leads SET ${personalColumns}, erased_at = ${now}::timestamp(3), erasure_id = ${target.id}::uuid, updated_at = ${now}::timestamp(3)
          WHERE id = ANY(${ids}::uuid[]) AND erased_at IS NULL`;
        const submissionRows = await tx.$queryRaw<{ id: string; payload: unknown }[]>`
          SELECT id::text AS id, payload FROM raw_submissions WHERE lead_id = ANY(${ids}::uuid[]) AND payload IS NOT NULL ORDER BY id FOR UPDATE`;
        const submissions =
          (await stubRawSubmissions(tx, submissionRows)) +
          (await tx.$executeRaw`DELETE FROM pending_submissions WHERE lead_id = ANY(${[...ids, ...aliasIds]}::uuid[])`);
        const consents = await tx.$executeRaw`DELETE FROM consents WHERE lead_id = ANY(${ids}::uuid[])`;
        const activities = await tx.$executeRaw`DELETE FROM activities WHERE lead_id = ANY(${ids}::uuid[])`;
        // The partner's own id for the person goes too; the lead id stays the name of the tombstone.
        await tx.$executeRaw`DELETE FROM external_ids WHERE lead_id = ANY(${ids}::uuid[])`;
        // An event not fanned out yet is marked as if it were, so no delivery is ever made of it.
        const events = await tx.$executeRaw`
          UPDATE events SET document = NULL, document_removed_at = ${now}::timestamp(3), fanned_out_at = COALESCE(fanned_out_at, ${now}::timestamp(3))
          WHERE lead_id = ANY(${ids}::uuid[]) AND document IS NOT NULL`;
        // After the events: deliveries a fan-out committed while this waited for its event locks are stopped too.
        const deliveries = await tx.$executeRaw`
          UPDATE deliveries d SET status = 'stopped', next_attempt_at = NULL, last_error = ${erasedDeliveryReason}, updated_at = ${now}::timestamp(3)
          FROM events e WHERE d.event_id = e.id AND e.lead_id = ANY(${ids}::uuid[]) AND d.status IN ('pending', 'paused')`;
        const attempts = await tx.$executeRaw`
          UPDATE delivery_attempts a SET response_body = NULL, response_body_removed_at = ${now}::timestamp(3)
          FROM deliveries d JOIN events e ON e.id = d.event_id
          WHERE a.delivery_id = d.id AND e.lead_id = ANY(${ids}::uuid[]) AND a.response_body IS NOT NULL`;
        const erasure = await tx.erasure.findUniqueOrThrow({ where: { id: target.id }, select: { counts: true } });
        return tx.erasure.update({
          where: { id: target.id },
          data: {
            leadIds: ids,
            identityKeys: found.identityKeys,
            counts: addErasureCounts(erasure.counts, { leads, submissions, consents, activities, events, deliveries, attempts }),
          },
        });
      },
      { timeoutMs: 120_000 },
    );
  }

  async #addCounts(erasureId: string, added: Partial<ErasureCounts>): Promise<void> {
    await withTransaction(this.#options.db, async (tx) => {
      const [row] = await tx.$queryRaw<{ counts: unknown }[]>`SELECT counts FROM erasures WHERE id = ${erasureId}::uuid FOR UPDATE`;
      await tx.erasure.update({ where: { id: erasureId }, data: { counts: addErasureCounts(row?.counts, added) } });
    });
  }

  async #complete(erasureId: string): Promise<ErasureCounts> {
    const erasure = await this.#options.db.erasure.update({
      where: { id: erasureId },
      data: { status: 'completed', completedAt: new Date(), email: null, phone: null, externalId: null, identityKeys: [] },
    });
    return addErasureCounts(erasure.counts);
  }
}

/** The submissions a leads-queue job carries: a persist-leads job's list, or the job's own payload. */
function carried(job: Job): unknown[] {
  if (job.name === jobCatalog.persistLeads.name) {
    const submissions = (job.data as { submissions?: unknown } | undefined)?.submissions;
    return Array.isArray(submissions) ? submissions : [];
  }
  return [job.data];
}
