import type { QueueRegistry } from '@leadrelay/queue';
import { deliveryJobOptions } from '@leadrelay/delivery';
import { MicroBatcher } from '@leadrelay/group-commit';

export interface DeliveryJobRequest {
  deliveryId: string;
  /** When the job may run; now when absent. */
  runAt?: Date;
}

export interface DeliveryJobEnqueuerOptions {
  queues: QueueRegistry;
  /** Jobs added by one round trip at most. */
  maxBatchSize?: number;
}

/**
 * Adds the first-run job of a delivery (`deliveryJobOptions(deliveryId)`): for a retry after a
 * first attempt made by its fan-out job, for a first attempt that cannot go at once (no free slot,
 * behind an earlier delivery of its lead), or to make sure an interrupted fan-out left no delivery
 * without one. The job id is the delivery's, so adding it again while it exists is a no-op. The
 * jobs of many deliveries go to Redis in one round trip (see MicroBatcher).
 */
export class DeliveryJobEnqueuer {
  readonly #batches: MicroBatcher<DeliveryJobRequest, void>;

  constructor({ queues, maxBatchSize = 500 }: DeliveryJobEnqueuerOptions) {
    this.#batches = new MicroBatcher<DeliveryJobRequest, void>({
      run: async (requests) => {
        const byId = new Map(requests.map((request) => [request.deliveryId, request]));
        const now = Date.now();
        await queues.enqueueBulk(
          'deliver',
          [...byId.values()].map(({ deliveryId, runAt }) => ({
            payload: { deliveryId },
            options: { ...deliveryJobOptions(deliveryId), delay: runAt ? Math.max(0, runAt.getTime() - now) : 0 },
          })),
        );
        return requests.map(() => undefined);
      },
      maxBatchWeight: maxBatchSize,
      maxConcurrentBatches: 2,
    });
  }

  enqueue(request: DeliveryJobRequest): Promise<void> {
    return this.#batches.submit(request);
  }
}
