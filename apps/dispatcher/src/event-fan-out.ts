import type { DatabaseClient } from '@leadrelay/db';

export interface FanOutResult {
  /** Deliveries to send, in the order of their events. */
  deliveryIds: string[];
}

/**
 * Turns one event into one delivery per subscribed destination: one that takes the event's type,
 * the source partner (no `sources` means all) and was registered before the event was recorded.
 * Idempotent: a delivery is unique per (event, destination), and its message id is made once, here.
 *
 * Fan-out jobs run concurrently, so a lead's `activity_added` may be fanned out before its
 * `created`. To keep deliveries in event order, fanning out an event first fans out the lead's
 * earlier events that are not fanned out yet, under a row lock, in one transaction.
 */
export class EventFanOut {
  constructor(private readonly db: DatabaseClient) {}

  async fanOut(eventId: string): Promise<FanOutResult> {
    const [event] = await this.db.$queryRaw<{ lead_id: string; sequence: bigint }[]>`
      SELECT lead_id::text AS lead_id, sequence FROM events WHERE id = ${eventId}::uuid`;
    if (!event) return { deliveryIds: [] };

    const fannedOutIds = await this.db.$transaction(async (tx) => {
      const events = await tx.$queryRaw<{ id: string }[]>`
        SELECT id::text AS id FROM events
        WHERE lead_id = ${event.lead_id}::uuid AND sequence <= ${event.sequence}::bigint AND fanned_out_at IS NULL
        ORDER BY sequence
        FOR UPDATE`;
      const ids = events.map((row) => row.id);
      if (ids.length === 0) return ids;
      // Deliveries start pending even for a disabled destination: the delivery job pauses them
      // under a lock on the destination, which enabling it respects (see DeliveryAttempter).
      await tx.$executeRaw`
        INSERT INTO deliveries (id, event_id, destination_id, message_id, status, created_at, updated_at)
        SELECT gen_random_uuid(), e.id, t.id, gen_random_uuid(), 'pending', ${new Date()}::timestamp(3), ${new Date()}::timestamp(3)
        FROM events e
        JOIN destinations t
          ON t.deleted_at IS NULL
         AND e.type = ANY (t.events)
         AND (cardinality(t.sources) = 0 OR e.partner_slug = ANY (t.sources))
         AND t.created_at <= e.created_at
        WHERE e.id = ANY (${ids}::uuid[])
        ORDER BY e.sequence
        ON CONFLICT (event_id, destination_id) DO NOTHING`;
      await tx.$executeRaw`UPDATE events SET fanned_out_at = ${new Date()}::timestamp(3) WHERE id = ANY (${ids}::uuid[])`;
      return ids;
    });

    // The event itself is included even when another event's fan-out made its deliveries: if that
    // job stopped before enqueueing them, this one does it (job ids make it happen once).
    const eventIds = [...new Set([...fannedOutIds, eventId])];
    const deliveries = await this.db.$queryRaw<{ id: string }[]>`
      SELECT d.id::text AS id FROM deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.event_id = ANY (${eventIds}::uuid[]) AND d.status = 'pending' AND d.attempt_count = 0
      ORDER BY e.sequence, d.created_at`;
    return { deliveryIds: deliveries.map((row) => row.id) };
  }
}
