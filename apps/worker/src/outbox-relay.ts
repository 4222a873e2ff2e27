import { createHash } from 'node:crypto';
import { Prisma, withStatementTransaction, type DatabaseClient } from '@leadrelay/db';
import { jobIdFor, maxEventsPerJob, type QueueRegistry } from '@leadrelay/queue';

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
 * transaction commits, a committed batch's events in one `fan-out-events` job; `sweep` finds the
 * ones a crash left between the two.
 *
 * A job's id is a digest of its event ids, so enqueueing the same batch twice adds one job. A
 * different grouping of the same events (the sweep regroups what a crash left behind) gets another
 * id and fans out again, which is harmless: a delivery is unique per event and destination, and an
 * event is fanned out once. An id taken from the first event alone would be wrong here: a sweep
 * batch starting with the same event but holding more would be ignored, and its other events lost.
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

  /** Adds one fan-out job per `maxEventsPerJob` events, in one round trip, then takes the events off the outbox list. */
  async enqueue(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const jobs = [];
    for (let start = 0; start < eventIds.length; start += maxEventsPerJob) {
      const chunk = eventIds.slice(start, start + maxEventsPerJob);
      jobs.push({ payload: { eventIds: chunk }, options: { jobId: fanOutJobId(chunk) } });
    }
    // Event ids are uuids this worker generated or read back from the events table.
    await this.#queues.enqueueBulk('fanOutEvents', jobs);
    // By key: the table is small but, between vacuums, full of the rows deleted before.
    await withStatementTransaction(this.#db, (tx) => tx.query(Prisma.sql`DELETE FROM outbox_entries WHERE event_id = ANY(${eventIds}::uuid[])`), {
      keyLookupsOnly: true,
    });
  }

  /** Enqueues every event left behind; returns how many it found. */
  async sweep({ includeRecent = false } = {}): Promise<number> {
    let found = 0;
    for (;;) {
      const createdBefore = new Date(Date.now() - (includeRecent ? 0 : this.#staleAfterMs));
      // In event order, so a lead's events are enqueued as they happened.
      const entries = await this.#db.$queryRaw<{ eventId: string }[]>`
        SELECT entry.event_id AS "eventId" FROM outbox_entries AS entry JOIN events AS event ON event.id = entry.event_id
        WHERE entry.created_at <= ${createdBefore.toISOString()}::timestamp(3)
        ORDER BY event.sequence LIMIT ${this.#batchSize}`;
      if (entries.length === 0) return found;
      await this.enqueue(entries.map((entry) => entry.eventId));
      found += entries.length;
    }
  }
}

/** `events-<digest of the ids in order>`: the same batch always gets the same id, another batch another. */
export function fanOutJobId(eventIds: readonly string[]): string {
  return jobIdFor('eventGroup', createHash('sha256').update(eventIds.join(',')).digest('hex').slice(0, 32));
}
