import type { DatabaseClient } from '@leadrelay/db';
import { jobIdFor, type QueueRegistry } from '@leadrelay/queue';

export interface OutboxRelayOptions {
  db: DatabaseClient;
  queues: QueueRegistry;
  /** Events older than this and still not enqueued are taken to be left behind by a crash. */
  staleAfterMs?: number;
  /** Events enqueued per round trip by the sweep. */
  batchSize?: number;
}

/**
 * Moves committed events from PostgreSQL to Redis. Events are enqueued right after their
 * transaction commits; `sweep` finds the ones a crash left between the two. Job ids are the
 * event ids, so enqueueing an event twice adds one job (and a fan-out that runs twice creates
 * each delivery once: deliveries are unique per event and destination).
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

  /** Adds the fan-out jobs in one round trip, then marks the events enqueued. */
  async enqueue(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.#queues.enqueueBulk(
      'fanOutEvent',
      eventIds.map((eventId) => ({ payload: { eventId }, options: { jobId: jobIdFor('event', eventId) } })),
      // Event ids are uuids this worker generated or read back from the events table.
      { payloadsValidated: true },
    );
    await this.#db.$executeRaw`UPDATE events SET enqueued_at = now() WHERE id = ANY(${eventIds}::uuid[]) AND enqueued_at IS NULL`;
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
