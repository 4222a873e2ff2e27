import type { DatabaseClient } from '@leadrelay/db';
import { deliveryRerunJobOptions, type DeliveryRerunReason } from '@leadrelay/delivery';
import { AppError } from '@leadrelay/http-kit';
import type { QueueRegistry } from '@leadrelay/queue';
import { deliveryNotFound, destinationNotFound, scopedDeliveryWhere, scopedDestinationWhere, type DestinationScope } from './destination-scope.ts';
import type { DestinationReplayResult } from './destination-schemas.ts';

export interface DeliveryReplayerOptions {
  db: DatabaseClient;
  queues: QueueRegistry;
}

/**
 * Sends deliveries again, with their own message id, as a new run of the whole retry schedule.
 * Every run has its own job id (deliveryRerunJobOptions).
 */
export class DeliveryReplayer {
  readonly #db: DatabaseClient;
  readonly #queues: QueueRegistry;

  constructor({ db, queues }: DeliveryReplayerOptions) {
    this.#db = db;
    this.#queues = queues;
  }

  /** One delivery, whatever its outcome, unless it is still pending (a run is under way). */
  async replayDelivery(scope: DestinationScope, deliveryId: string): Promise<void> {
    const delivery = await this.#db.delivery.findFirst({
      where: { id: deliveryId, ...scopedDeliveryWhere(scope) },
      select: { status: true, destination: { select: { enabled: true, deletedAt: true } }, event: { select: { documentRemovedAt: true } } },
    });
    if (!delivery) throw deliveryNotFound(deliveryId);
    if (delivery.event.documentRemovedAt) {
      // Rebuilding it from the lead as it is now would send other data under the same message id.
      throw new AppError(
        'content_expired',
        `the lead document this delivery sends was removed by retention on ${delivery.event.documentRemovedAt.toISOString()} (RETENTION_DELIVERY_CONTENT); it cannot be sent again`,
      );
    }
    this.#assertSendable(delivery.destination);
    if (delivery.status === 'pending') {
      throw new AppError('conflict', 'the delivery is pending: it is being sent or waits for its next attempt');
    }
    // Conditional on the status read, so two replays at once start one run.
    const { count } = await this.#db.delivery.updateMany({
      where: { id: deliveryId, status: delivery.status, event: { documentRemovedAt: null } },
      data: { status: 'pending', nextAttemptAt: null },
    });
    if (count === 0) throw new AppError('conflict', 'the delivery changed meanwhile; read it again');
    await this.#enqueue([deliveryId], 'replay');
  }

  /**
   * Every failed or paused delivery of a destination made since `since`, in event order; those
   * whose document retention removed are left as they are (see replayDelivery), and counted.
   */
  async replayDestination(scope: DestinationScope, destinationId: string, since: Date): Promise<DestinationReplayResult> {
    const destination = await this.#db.destination.findFirst({
      where: { id: destinationId, ...scopedDestinationWhere(scope) },
      select: { enabled: true, deletedAt: true },
    });
    if (!destination) throw destinationNotFound(destinationId);
    this.#assertSendable(destination);
    const ids = await this.#db.$queryRaw<{ id: string }[]>`
      WITH replayed AS (
        UPDATE deliveries d SET status = 'pending', next_attempt_at = NULL, updated_at = ${new Date()}::timestamp(3)
        WHERE d.destination_id = ${destinationId}::uuid AND d.status IN ('failed', 'paused') AND d.created_at >= ${since}::timestamp(3)
          AND EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id AND e.document IS NOT NULL)
        RETURNING d.id, d.event_id
      )
      SELECT r.id::text AS id FROM replayed r JOIN events e ON e.id = r.event_id ORDER BY e.sequence`;
    await this.#enqueue(ids.map((row) => row.id), 'replay');
    const [expired] = await this.#db.$queryRaw<{ count: number }[]>`
      SELECT count(*)::int AS count FROM deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.destination_id = ${destinationId}::uuid AND d.status IN ('failed', 'paused') AND d.created_at >= ${since}::timestamp(3)
        AND e.document IS NULL`;
    return { replayed: ids.length, contentExpired: expired?.count ?? 0 };
  }

  /** Sends the paused deliveries of a destination just enabled, in event order. */
  async resumePaused(destinationId: string): Promise<number> {
    const ids = await this.#db.$queryRaw<{ id: string }[]>`
      WITH resumed AS (
        UPDATE deliveries d SET status = 'pending', next_attempt_at = NULL, updated_at = ${new Date()}::timestamp(3)
        WHERE d.destination_id = ${destinationId}::uuid AND d.status = 'paused'
        RETURNING d.id, d.event_id
      )
      SELECT r.id::text AS id FROM resumed r JOIN events e ON e.id = r.event_id ORDER BY e.sequence`;
    await this.#enqueue(ids.map((row) => row.id), 'resume');
    return ids.length;
  }

  #assertSendable(destination: { enabled: boolean; deletedAt: Date | null }) {
    if (destination.deletedAt) throw new AppError('conflict', 'the destination is deleted');
    if (!destination.enabled) throw new AppError('conflict', 'the destination is disabled; enable it first (that sends its paused deliveries)');
  }

  async #enqueue(deliveryIds: string[], reason: DeliveryRerunReason) {
    // Small batches: a destination may have many thousands of deliveries to send again.
    for (let start = 0; start < deliveryIds.length; start += 1000) {
      await this.#queues.enqueueBulk(
        'deliver',
        deliveryIds.slice(start, start + 1000).map((deliveryId) => ({
          payload: { deliveryId },
          options: deliveryRerunJobOptions(deliveryId, reason),
        })),
      );
    }
  }
}
