import type { DatabaseClient } from '@leadrelay/db';
import { MicroBatcher } from './micro-batcher.ts';

export interface FanOutResult {
  /** Deliveries to send, in the order of their events. */
  deliveryIds: string[];
}

export interface EventFanOutOptions {
  db: DatabaseClient;
  /** Events fanned out by one statement at most. */
  maxBatchSize?: number;
  /** Fan-out statements running at once at most. */
  maxConcurrentBatches?: number;
}

/**
 * Turns events into one delivery per subscribed destination: one that takes the event's type, the
 * source partner (no `sources` means all) and was registered before the event was recorded.
 * Idempotent: a delivery is unique per (event, destination), and its message id is made once, here.
 *
 * Fan-out jobs run concurrently, so a lead's `activity_added` may be fanned out before its
 * `created`. To keep deliveries in event order, fanning out an event first fans out the lead's
 * earlier events that are not fanned out yet, under row locks taken in event order, in the same
 * statement. The events of fan-out jobs running at once share that statement (see MicroBatcher).
 */
export class EventFanOut {
  readonly #db: DatabaseClient;
  readonly #batches: MicroBatcher<string, FanOutResult>;

  constructor({ db, maxBatchSize = 200, maxConcurrentBatches = 2 }: EventFanOutOptions) {
    this.#db = db;
    this.#batches = new MicroBatcher({ run: (eventIds) => this.#fanOutMany(eventIds), maxBatchSize, maxConcurrentBatches });
  }

  fanOut(eventId: string): Promise<FanOutResult> {
    return this.#batches.submit(eventId);
  }

  async #fanOutMany(eventIds: string[]): Promise<FanOutResult[]> {
    const now = new Date();
    // One statement, so one transaction. A concurrent statement waiting for one of these row locks
    // finds the event fanned out once it gets the lock, and leaves it.
    const fannedOut = await this.#db.$queryRaw<{ id: string }[]>`
      WITH locked AS (
        SELECT e.id FROM events e
        JOIN (SELECT lead_id, max(sequence) AS upto FROM events WHERE id = ANY (${eventIds}::uuid[]) GROUP BY lead_id) batch
          ON batch.lead_id = e.lead_id AND e.sequence <= batch.upto
        WHERE e.fanned_out_at IS NULL
        ORDER BY e.sequence
        FOR UPDATE OF e
      ), created AS (
        -- Deliveries start pending even for a disabled destination: the delivery job pauses them
        -- under a lock on the destination, which enabling it respects (see DeliveryStore).
        INSERT INTO deliveries (id, event_id, destination_id, message_id, status, created_at, updated_at)
        SELECT gen_random_uuid(), e.id, t.id, gen_random_uuid(), 'pending', ${now}::timestamp(3), ${now}::timestamp(3)
        FROM locked JOIN events e ON e.id = locked.id
        JOIN destinations t
          ON t.deleted_at IS NULL
         AND e.type = ANY (t.events)
         AND (cardinality(t.sources) = 0 OR e.partner_slug = ANY (t.sources))
         AND t.created_at <= e.created_at
        ORDER BY e.sequence
        ON CONFLICT (event_id, destination_id) DO NOTHING
      )
      UPDATE events SET fanned_out_at = ${now}::timestamp(3) FROM locked WHERE events.id = locked.id
      RETURNING events.id::text AS id`;

    // Read after the commit, so deliveries another statement made are seen too. Each job gets its own
    // event's deliveries, even when another job's fan-out made them (if that job stopped before
    // enqueueing, this one does it; job ids make it happen once), and those of the earlier events
    // of its lead that this batch fanned out.
    const fannedOutIds = fannedOut.map((row) => row.id);
    const rows = await this.#db.$queryRaw<{ id: string | null; event_id: string; lead_id: string; sequence: bigint; is_input: boolean }[]>`
      SELECT d.id::text AS id, e.id::text AS event_id, e.lead_id::text AS lead_id, e.sequence, e.id = ANY (${eventIds}::uuid[]) AS is_input
      FROM events e
      LEFT JOIN deliveries d ON d.event_id = e.id AND d.status = 'pending' AND d.attempt_count = 0
      WHERE e.id = ANY (${[...new Set([...fannedOutIds, ...eventIds])]}::uuid[])
      ORDER BY e.sequence, d.created_at`;
    const fannedOutNow = new Set(fannedOutIds);
    const inputs = new Map(rows.filter((row) => row.is_input).map((row) => [row.event_id, row]));
    return eventIds.map((eventId) => {
      const event = inputs.get(eventId);
      if (!event) return { deliveryIds: [] };
      const deliveryIds = rows
        .filter(
          (row) =>
            row.id !== null &&
            (row.event_id === eventId || (fannedOutNow.has(row.event_id) && row.lead_id === event.lead_id && row.sequence <= event.sequence)),
        )
        .map((row) => row.id!);
      return { deliveryIds: [...new Set(deliveryIds)] };
    });
  }
}
