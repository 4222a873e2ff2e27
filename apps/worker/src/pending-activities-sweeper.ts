import type { DatabaseClient } from '@leadrelay/db';

export interface PendingActivitiesSweeperOptions {
  db: DatabaseClient;
  /** A pending submission is deleted this long after the worker set it aside. */
  ttlMs: number;
  /** Rows deleted per statement. */
  batchSize?: number;
  /** Called with the rows each statement deleted, e.g. for metrics. */
  onExpired?(count: number): void;
}

/**
 * Deletes pending submissions (activities that named a lead not stored) whose lead has not
 * arrived within the TTL: a lead on its way is stored within seconds, so what is still waiting
 * after a day was for an id that will never be a lead, and would otherwise be kept forever.
 *
 * A few hundred rows per statement, each its own short transaction, and rows a batch has locked
 * (it is applying them to their lead right now) are skipped: the sweep never holds up the worker's
 * batches, and a large backlog goes in many small steps.
 */
export class PendingActivitiesSweeper {
  readonly #db: DatabaseClient;
  readonly #ttlMs: number;
  readonly #batchSize: number;
  readonly #onExpired: (count: number) => void;
  #closed = false;

  constructor({ db, ttlMs, batchSize = 500, onExpired = () => {} }: PendingActivitiesSweeperOptions) {
    this.#db = db;
    this.#ttlMs = ttlMs;
    this.#batchSize = batchSize;
    this.#onExpired = onExpired;
  }

  /** Deletes every expired pending submission; returns how many. */
  async sweep(): Promise<number> {
    const storedBefore = new Date(Date.now() - this.#ttlMs).toISOString();
    let expired = 0;
    while (!this.#closed) {
      const deleted = await this.#db.$executeRaw`
        DELETE FROM pending_submissions WHERE id IN (
          SELECT id FROM pending_submissions WHERE stored_at < ${storedBefore}::timestamp(3)
          LIMIT ${this.#batchSize} FOR UPDATE SKIP LOCKED)`;
      if (deleted > 0) this.#onExpired(deleted);
      expired += deleted;
      if (deleted < this.#batchSize) break;
    }
    return expired;
  }

  /** A sweep under way stops after its current statement. */
  close(): void {
    this.#closed = true;
  }
}
