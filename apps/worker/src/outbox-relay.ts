import type { DatabaseClient } from '@leadrelay/db';
import { jobIdFor, type QueueRegistry } from '@leadrelay/queue';

export interface OutboxRelayOptions {
  db: DatabaseClient;
  queues: QueueRegistry;
  /** Events older than this and still not enqueued are taken to be left behind by a crash. */
  staleAfterMs?: number;
  batchSize?: number;
}

/**
 * Moves committed events from PostgreSQL to Redis. Events are enqueued right after their
 * transaction commits; `sweep` finds the ones a crash left between the two. Job ids are the
 * event ids, so enqueueing an event twice adds one job.
 */
export class OutboxRelay {
  readonly #db: DatabaseClient;
  readonly #queues: QueueRegistry;
  readonly #staleAfterMs: number;
  readonly #batchSize: number;

  constructor({ db, queues, staleAfterMs = 5_000, batchSize = 500 }: OutboxRelayOptions) {
    this.#db = db;
    this.#queues = queues;
    this.#staleAfterMs = staleAfterMs;
    this.#batchSize = batchSize;
  }

  async enqueue(eventIds: string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.#queues.enqueueBulk(
      'fanOutEvent',
      eventIds.map((eventId) => ({ payload: { eventId }, options: { jobId: jobIdFor('event', eventId) } })),
    );
    await this.#db.event.updateMany({ where: { id: { in: eventIds }, enqueuedAt: null }, data: { enqueuedAt: new Date() } });
  }

  /** Enqueues every event left behind; returns how many it found. */
  async sweep({ includeRecent = false } = {}): Promise<number> {
    let found = 0;
    for (;;) {
      const createdBefore = new Date(Date.now() - (includeRecent ? 0 : this.#staleAfterMs));
      const events = await this.#db.event.findMany({
        where: { enqueuedAt: null, createdAt: { lte: createdBefore } },
        orderBy: { sequence: 'asc' },
        take: this.#batchSize,
        select: { id: true },
      });
      if (events.length === 0) return found;
      await this.enqueue(events.map((event) => event.id));
      found += events.length;
    }
  }
}
