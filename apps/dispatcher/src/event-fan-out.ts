import { Prisma, runStatement, type DatabaseClient } from '@leadrelay/db';
import { leadFilterAdmits } from '@leadrelay/lead-filter';

/** A pending delivery an interrupted fan-out run may have left without a job. */
export interface LeftDelivery {
  deliveryId: string;
  /** The next attempt recorded after a failed first attempt; null when none was made. */
  nextAttemptAt: Date | null;
}

// Last among the join's conditions: only a destination the others let through evaluates its filter.
const destinationFilterAdmits = leadFilterAdmits(Prisma.raw('t.filter'), Prisma.raw('e.document'));

export interface EventFanOutOptions {
  db: DatabaseClient;
}

/**
 * Turns events into one delivery per subscribed destination: one that takes the event's type, the
 * source partner (no `sources` means all), whose filter takes the lead document (no filter means
 * all, see `@leadrelay/lead-filter`) and was registered before the event was recorded. Test
 * traffic stays apart: a sandbox partner's events go to test destinations only (`test`, or
 * `pending_review` until approved), every other partner's to live ones only.
 * Idempotent: a delivery is unique per (event, destination), and its message id is made once, here.
 *
 * Fan-out jobs run concurrently, so a lead's `activity_added` may be fanned out before its
 * `created`. To keep deliveries in event order, fanning out an event first fans out the lead's
 * earlier events that are not fanned out yet, under row locks taken in event order, in the same
 * statement. One statement serves all the events of a fan-out job.
 */
export class EventFanOut {
  readonly #db: DatabaseClient;

  constructor({ db }: EventFanOutOptions) {
    this.#db = db;
  }

  /**
   * Fans the events out and returns the deliveries this call created, in event order. Each is
   * created by exactly one call, so their first attempt is the caller's (see FirstAttempts); the
   * deliveries of events another call fanned out are that call's.
   */
  async fanOut(eventIds: string[]): Promise<string[]> {
    const now = new Date().toISOString();
    // One statement, so one transaction. A concurrent statement waiting for one of these row locks
    // finds the event fanned out once it gets the lock, and leaves it.
    // The ids go in and out as one text each, for the reason DeliveryStore's reads give; runStatement
    // sends it past Prisma's query compiler.
    const [result] = await runStatement<{ ids: string }>(
      this.#db,
      Prisma.sql`
      WITH locked AS (
        SELECT e.id, e.sequence, EXISTS (SELECT 1 FROM partners p WHERE p.slug = e.partner_slug AND p.sandbox) AS sandbox
        FROM events e
        JOIN (SELECT lead_id, max(sequence) AS upto FROM events WHERE id = ANY (string_to_array(${eventIds.join(',')}::text, ',')::uuid[]) GROUP BY lead_id) batch
          ON batch.lead_id = e.lead_id AND e.sequence <= batch.upto
        WHERE e.fanned_out_at IS NULL
        ORDER BY e.sequence
        FOR UPDATE OF e
      ), created AS (
        -- Deliveries start pending even for a disabled destination: their first attempt pauses them
        -- under a lock on the destination, which enabling it respects (see DeliveryStore).
        INSERT INTO deliveries (id, event_id, destination_id, message_id, status, created_at, updated_at)
        SELECT gen_random_uuid(), e.id, t.id, gen_random_uuid(), 'pending', ${now}::timestamp(3), ${now}::timestamp(3)
        FROM locked JOIN events e ON e.id = locked.id
        JOIN destinations t
          ON t.deleted_at IS NULL
         AND e.type = ANY (t.events)
         AND (cardinality(t.sources) = 0 OR e.partner_slug = ANY (t.sources))
         AND t.created_at <= e.created_at
         AND (t.mode = 'live') <> locked.sandbox
         AND ${destinationFilterAdmits}
        ON CONFLICT (event_id, destination_id) DO NOTHING
        RETURNING id, event_id
      ), marked AS (
        UPDATE events SET fanned_out_at = ${now}::timestamp(3) FROM locked WHERE events.id = locked.id
      )
      SELECT coalesce(string_agg(created.id::text, ',' ORDER BY locked.sequence, created.id), '') AS ids
      FROM created JOIN locked ON locked.id = created.event_id`,
    );
    const ids = result?.ids ?? '';
    return ids === '' ? [] : ids.split(',');
  }

  /**
   * The deliveries a run of a fan-out job for these events that stopped part-way (killed, or failed
   * on PostgreSQL or Redis) may have left without a job: pending ones of these events and of the
   * earlier events of their leads (the statement that fanned them out may have been this job's)
   * that have had no attempt, or one whose retry job may not have been added. In event order.
   */
  async leftByInterruptedRun(eventIds: string[]): Promise<LeftDelivery[]> {
    const rows = await this.#db.$queryRaw<{ id: string; next_attempt_at: Date | null }[]>`
      SELECT d.id::text AS id, d.next_attempt_at
      FROM (SELECT lead_id, max(sequence) AS upto FROM events WHERE id = ANY (${eventIds}::uuid[]) GROUP BY lead_id) batch
      JOIN events e ON e.lead_id = batch.lead_id AND e.sequence <= batch.upto
      JOIN deliveries d ON d.event_id = e.id
      WHERE d.status = 'pending' AND (d.attempt_count = 0 OR (d.attempt_count = 1 AND d.next_attempt_at IS NOT NULL))
      ORDER BY e.sequence, d.id`;
    return rows.map((row) => ({ deliveryId: row.id, nextAttemptAt: row.next_attempt_at }));
  }
}
