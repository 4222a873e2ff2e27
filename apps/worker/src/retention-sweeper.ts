import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { withTransaction, type DatabaseClient } from '@leadrelay/db';
import type { RetentionKind } from '@leadrelay/observability';
import { stubRawSubmissions } from './raw-submission-stub.ts';

/** Takes and gives back the right to sweep; one holder at a time across every worker process. */
export interface SweepLock {
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

export interface RetentionSweeperOptions {
  db: DatabaseClient;
  /** One sweep at a time over every worker instance (a PostgreSQL advisory lock in the worker). */
  lock: SweepLock;
  /** Queues whose old failed and completed jobs are removed. */
  queues: Queue[];
  /** Raw submissions keep their payload this long after they were received; null: for good. */
  rawSubmissionsMs: number | null;
  /** Event documents and attempt answers are kept this long; null: for good. */
  deliveryContentMs: number | null;
  /** Failed jobs are removed this long after they failed; null: kept until an operator acts. */
  failedJobsMs: number | null;
  /** Completed jobs are removed this long after they completed (the job catalog's own bound). */
  completedJobsMs: number;
  /** RETENTION_LEADS: a lead untouched this long is erased, without suppressing the person; null: kept. */
  leadsMs?: number | null;
  /** Rows (or jobs) per statement; each statement is its own short transaction. */
  batchSize?: number;
  /** Called with what each statement removed, e.g. for metrics. */
  onSwept?(kind: RetentionKind, count: number): void;
}

/** What one statement (or round of Redis calls) removed, and whether a full batch suggests more. */
interface BatchOutcome {
  removed: number;
  more: boolean;
}

/** What one sweep removed, per kind; `skipped` when another instance was sweeping. */
export type RetentionSweepResult = { skipped: true } | { skipped: false; swept: Record<RetentionKind, number> };

/**
 * Applies the retention settings: removes raw submission payloads, event documents (the body each
 * delivery sends) and attempt answers past their age, and old failed and completed jobs from Redis.
 *
 * Rows stay, only their content goes: a raw submission becomes a stub with its SHA-256 (its id
 * still makes a replayed job idempotent, its partner still counts for change rights, and a consent
 * still names the evidence it came in), a delivery keeps its status, timings and codes. An event's
 * document stays while one of its deliveries is still to be sent (pending or paused) or it has not
 * been fanned out.
 *
 * Each kind goes in statements of `batchSize` rows, each its own transaction, on rows found by
 * partial indexes holding only what still has content; rows locked by someone else are skipped and
 * taken on the next sweep. So no statement holds a lock for long, and a backlog (the first sweep
 * after an upgrade) goes in many small steps. One worker instance sweeps at a time (`lock`).
 */
export class RetentionSweeper {
  readonly #options: RetentionSweeperOptions;
  readonly #batchSize: number;
  #closed = false;

  constructor(options: RetentionSweeperOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 1_000;
  }

  /** Sweeps every kind until none is left past its age; returns the counts. */
  async sweep(): Promise<RetentionSweepResult> {
    const { lock } = this.#options;
    if (this.#closed || !(await lock.tryAcquire())) return { skipped: true };
    try {
      const swept: Record<RetentionKind, number> = {
        raw_submissions: await this.#repeat('raw_submissions', this.#options.rawSubmissionsMs, (before) => this.#sweepRawSubmissions(before)),
        event_documents: await this.#repeat('event_documents', this.#options.deliveryContentMs, this.#eventDocumentBatches()),
        attempt_responses: await this.#repeat('attempt_responses', this.#options.deliveryContentMs, (before) => this.#sweepAttemptResponses(before)),
        failed_jobs: await this.#repeat('failed_jobs', this.#options.failedJobsMs, (_before, ageMs) => this.#cleanJobs('failed', ageMs)),
        completed_jobs: await this.#repeat('completed_jobs', this.#options.completedJobsMs, (_before, ageMs) => this.#cleanJobs('completed', ageMs)),
        leads: await this.#repeat('leads', this.#options.leadsMs ?? null, (before) => this.#queueLeadErasures(before)),
      };
      return { skipped: false, swept };
    } finally {
      await lock.release();
    }
  }

  /** A sweep under way stops after its current statement. */
  close(): void {
    this.#closed = true;
  }

  /** Runs `batch` until it finds no full batch left; counts each. */
  async #repeat(kind: RetentionKind, ageMs: number | null, batch: (before: Date, ageMs: number) => Promise<number | BatchOutcome>): Promise<number> {
    if (ageMs === null) return 0;
    // One cut-off for the whole run: rows that age meanwhile are the next sweep's.
    const before = new Date(Date.now() - ageMs);
    let total = 0;
    while (!this.#closed) {
      const outcome = await batch(before, ageMs);
      const { removed, more } = typeof outcome === 'number' ? { removed: outcome, more: outcome >= this.#batchSize } : outcome;
      if (removed > 0) this.#options.onSwept?.(kind, removed);
      total += removed;
      if (!more) break;
    }
    return total;
  }

  /**
   * Records an erasure (carried out by the ErasureRunner, as an operator's is) of the oldest leads
   * untouched since `before`, a batch per erasure, with `suppress` off: retention removes what is
   * kept, it does not keep the person out. Leads already in an erasure under way are left out.
   */
  async #queueLeadErasures(before: Date): Promise<number> {
    const rows = await this.#options.db.$queryRaw<{ id: string }[]>`
      SELECT l.id::text AS id FROM leads l
      WHERE l.erased_at IS NULL AND l.updated_at < ${before}::timestamp(3)
        AND NOT EXISTS (SELECT 1 FROM erasures x WHERE x.status <> 'completed' AND l.id = ANY (x.lead_ids))
      ORDER BY l.updated_at LIMIT ${this.#batchSize}`;
    if (rows.length === 0) return 0;
    await this.#options.db.erasure.create({
      data: {
        id: randomUUID(),
        reason: 'retention: untouched longer than RETENTION_LEADS',
        requestedBy: 'retention',
        suppress: false,
        leadIds: rows.map((row) => row.id),
      },
    });
    return rows.length;
  }

  /** Stubs (stubRawSubmissions) the oldest submissions past their age, under row locks. */
  #sweepRawSubmissions(before: Date): Promise<number> {
    return withTransaction(this.#options.db, async (tx) => {
      const rows = await tx.$queryRaw<{ id: string; payload: unknown }[]>`
        SELECT id::text AS id, payload FROM raw_submissions
        WHERE payload IS NOT NULL AND received_at < ${before}::timestamp(3)
        ORDER BY received_at LIMIT ${this.#batchSize} FOR UPDATE SKIP LOCKED`;
      return stubRawSubmissions(tx, rows);
    });
  }

  /**
   * Batches of one run over event documents. Events kept back (a delivery still to be sent, say to
   * a destination disabled for weeks) stay at the head of the index, so each batch starts where the
   * last one ended instead of reading them all again.
   */
  #eventDocumentBatches(): (before: Date) => Promise<number> {
    let from = new Date(0);
    return async (before) => {
      const removed = await this.#options.db.$queryRaw<{ created_at: Date }[]>`
        UPDATE events SET document = NULL, document_removed_at = ${new Date()}::timestamp(3)
        WHERE id IN (
          SELECT e.id FROM events e
          WHERE e.document IS NOT NULL AND e.created_at >= ${from}::timestamp(3) AND e.created_at < ${before}::timestamp(3)
            AND e.fanned_out_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status IN ('pending', 'paused'))
          ORDER BY e.created_at LIMIT ${this.#batchSize} FOR UPDATE SKIP LOCKED)
        RETURNING created_at`;
      // >= next time: events of the same millisecond may be left in this batch's wake.
      for (const row of removed) if (row.created_at > from) from = row.created_at;
      return removed.length;
    };
  }

  #sweepAttemptResponses(before: Date): Promise<number> {
    return this.#options.db.$executeRaw`
      UPDATE delivery_attempts SET response_body = NULL, response_body_removed_at = ${new Date()}::timestamp(3)
      WHERE id IN (
        SELECT id FROM delivery_attempts
        WHERE response_body IS NOT NULL AND started_at < ${before}::timestamp(3)
        ORDER BY started_at LIMIT ${this.#batchSize} FOR UPDATE SKIP LOCKED)`;
  }

  /** Up to a batch from each queue (BullMQ removes each call's jobs in one Lua script). */
  async #cleanJobs(state: 'failed' | 'completed', ageMs: number): Promise<BatchOutcome> {
    let removed = 0;
    let more = false;
    for (const queue of this.#options.queues) {
      const ids = await queue.clean(ageMs, this.#batchSize, state);
      removed += ids.length;
      if (ids.length >= this.#batchSize) more = true;
    }
    return { removed, more };
  }
}
