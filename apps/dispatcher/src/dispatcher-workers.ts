import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@leadrelay/observability';
import { DeliverPayload, FanOutEventPayload, cappedExponentialBackoffMs, parseJobPayload, queueNames, type QueueRegistry } from '@leadrelay/queue';
import { SecretDecryptionError } from '@leadrelay/credentials';
import type { EventFanOut } from './event-fan-out.ts';
import { RetryableDeliveryError, type DeliveryAttempter, type PreparedDelivery } from './delivery-attempt.ts';
import type { DestinationSlots } from './destination-slots.ts';
import { deliveryJobOptions } from './delivery-jobs.ts';
import { MicroBatcher } from './micro-batcher.ts';

export interface DispatcherWorkersOptions {
  connection: Redis;
  prefix: string;
  /** Deliveries in flight at once in this process, over all destinations. */
  concurrency: number;
  /** Waits before attempts 2..n, in ms. */
  retryDelaysMs: number[];
  /** BullMQ lock duration and stalled-check interval (DISPATCH_STALLED_AFTER). */
  stalledAfterMs: number;
  fanOut: EventFanOut;
  attempter: DeliveryAttempter;
  slots: DestinationSlots;
  queues: QueueRegistry;
  logger: Logger;
}

/** Added to a request's timeout for the life of its slot lease: the time to record the attempt. */
const leaseGraceMs = 5_000;
/** A job parked for a slot runs again after this even if no promotion reaches it. */
const parkSafetyDelayMs = 30_000;
/** A delivery stops waiting for an earlier one of its lead after this; see README, "Order". */
const orderWaitLimitMs = 15 * 60_000;
/** When this process cannot reach PostgreSQL or Redis, a delivery is tried again after this. */
const infrastructureRetryDelayMs = 5_000;

/** The two consumers of the dispatcher: event fan-out, and deliveries. */
export function createDispatcherWorkers(options: DispatcherWorkersOptions): Worker[] {
  const { fanOut, attempter, slots, queues, logger, retryDelaysMs } = options;
  const deliveriesQueue = queues.queue(queueNames.deliveries);

  // The delivery jobs of fan-out jobs running at once go to Redis in one round trip.
  const deliveryJobs = new MicroBatcher<string[], void>({
    run: async (batches) => {
      const deliveryIds = [...new Set(batches.flat())];
      await queues.enqueueBulk(
        'deliver',
        deliveryIds.map((deliveryId) => ({ payload: { deliveryId }, options: deliveryJobOptions(deliveryId) })),
      );
      return batches.map(() => undefined);
    },
    maxBatchSize: 100,
    maxConcurrentBatches: 2,
  });

  const fanOutWorker = new Worker(
    queueNames.events,
    async (job: Job) => {
      const { eventId } = parseJobPayload(FanOutEventPayload, job);
      const { deliveryIds } = await fanOut.fanOut(eventId);
      await deliveryJobs.submit(deliveryIds);
      return { deliveries: deliveryIds.length };
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      // Fan-out jobs mostly wait for the shared statement of their batch (EventFanOut): many at once
      // make large batches, and the batches in flight, not this, bound the load on PostgreSQL.
      concurrency: 200,
      autorun: false,
      settings: { backoffStrategy: (attemptsMade: number) => cappedExponentialBackoffMs(attemptsMade) },
    },
  );

  /** Sends one attempt while holding a slot of the destination, then hands freed slots on. */
  async function attemptWithSlot(job: Job, token: string, delivery: PreparedDelivery) {
    const lease = await slots.acquire(delivery.destinationId, delivery.maxConcurrency, delivery.timeoutMs + leaseGraceMs);
    if (!lease) {
      // Saturated: wait in BullMQ's delayed set, holding no worker, until a slot is handed over.
      await job.moveToDelayed(Date.now() + parkSafetyDelayMs, token);
      const runnable = await slots.park(delivery.destinationId, job.id!, delivery.maxConcurrency, parkSafetyDelayMs * 2);
      await promote(deliveriesQueue, runnable, logger);
      throw new DelayedError();
    }
    try {
      const attemptsAllowed = Math.min(job.opts.attempts ?? 1, retryDelaysMs.length + 1);
      return await attempter.attempt(delivery, {
        isFinalAttempt: job.attemptsMade + 1 >= attemptsAllowed,
        retryDelayMs: retryDelaysMs[Math.min(job.attemptsMade, retryDelaysMs.length - 1)] ?? 0,
      });
    } finally {
      await promote(deliveriesQueue, await slots.release(lease, delivery.maxConcurrency), logger);
    }
  }

  const deliveryWorker = new Worker(
    queueNames.deliveries,
    async (job: Job, token?: string) => {
      const { deliveryId } = parseJobPayload(DeliverPayload, job);
      try {
        // Past the limit a delivery stops waiting for an earlier one of its lead; see README, "Order".
        const plan = await attempter.plan(deliveryId, { ignoreOrder: Date.now() - job.timestamp >= orderWaitLimitMs });
        if (plan.kind === 'skip' || plan.kind === 'paused') return { outcome: plan.kind };
        if (plan.kind === 'behind-earlier') {
          // Poll quickly while the job is young, then less often: the earlier delivery usually
          // finishes its first attempt within milliseconds, but may wait for a slot or time out.
          const waitMs = Math.min(2_000, Math.max(20, (Date.now() - job.timestamp) / 4));
          await job.moveToDelayed(Date.now() + waitMs, token);
          throw new DelayedError();
        }
        return { outcome: await attemptWithSlot(job, token!, plan.delivery) };
      } catch (error) {
        if (error instanceof RetryableDeliveryError || error instanceof DelayedError) throw error;
        if (error instanceof SecretDecryptionError) {
          // The secret was encrypted with another SECRET_ENCRYPTION_KEY: no retry can fix that.
          throw new UnrecoverableError(`the destination secret cannot be decrypted: ${error.message}`);
        }
        // Our own trouble (PostgreSQL or Redis unreachable, ...) is not the receiver's failure: try
        // again soon without using up an attempt of the schedule.
        logger.warn({ err: error, deliveryId }, 'delivery could not be processed; trying again');
        await job.moveToDelayed(Date.now() + infrastructureRetryDelayMs, token);
        throw new DelayedError();
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
      lockDuration: options.stalledAfterMs,
      stalledInterval: options.stalledAfterMs,
      // A dispatcher killed mid-delivery leaves its job stalled; the next one sends it again.
      maxStalledCount: 10,
      settings: {
        // Waiting retries are delayed jobs, holding no worker slot, until the recorded next attempt.
        backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
          error instanceof RetryableDeliveryError
            ? Math.max(0, error.retryAt.getTime() - Date.now())
            : (retryDelaysMs[Math.min(attemptsMade - 1, retryDelaysMs.length - 1)] ?? 0),
      },
    },
  );
  deliveryWorker.on('failed', (job, error) => {
    if (error instanceof RetryableDeliveryError || error.name === 'RetryableDeliveryError') {
      logger.info({ jobId: job?.id, attempt: job?.attemptsMade, reason: error.message }, 'delivery attempt failed');
      return;
    }
    logger.warn({ jobId: job?.id, err: error }, 'delivery job failed');
    const deliveryId = (job?.data as { deliveryId?: unknown } | undefined)?.deliveryId;
    if (job?.finishedOn && typeof deliveryId === 'string') {
      attempter.markFailed(deliveryId, error.message).catch((markError: unknown) => {
        logger.error({ err: markError, deliveryId }, 'a delivery whose job failed could not be marked failed');
      });
    }
  });
  return [fanOutWorker, deliveryWorker];
}

/** Moves parked jobs that may run now back to waiting. */
async function promote(queue: Queue, jobIds: string[], logger: Logger): Promise<void> {
  for (const jobId of jobIds) {
    const job = await queue.getJob(jobId);
    try {
      await job?.promote();
    } catch (error) {
      // A parked job that already left the delayed set (its safety delay ran out, or it was
      // removed) needs no promotion.
      if ((error as { code?: unknown }).code !== -3) throw error;
      logger.debug({ jobId }, 'parked job was no longer delayed');
    }
  }
}
