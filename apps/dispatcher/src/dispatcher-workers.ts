import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@leadrelay/observability';
import {
  DeliverPayload,
  FanOutEventPayload,
  FanOutEventsPayload,
  cappedExponentialBackoffMs,
  jobCatalog,
  parseJobPayload,
  queueNames,
  type QueueRegistry,
} from '@leadrelay/queue';
import { SecretDecryptionError } from '@leadrelay/credentials';
import type { EventFanOut } from './event-fan-out.ts';
import { RetryableDeliveryError, type DeliveryAttempter, type PreparedDelivery } from './delivery-attempt.ts';
import type { DestinationSlots } from './destination-slots.ts';
import { isFirstRunJob } from '@leadrelay/delivery';
import { DeliveryJobEnqueuer } from './delivery-job-enqueuer.ts';
import { ParkedJobPromoter } from './parked-job-promoter.ts';
import { FirstAttempts } from './first-attempts.ts';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { SlotRelease } from './slot-release.ts';

export interface DispatcherWorkersOptions {
  connection: Redis;
  prefix: string;
  /**
   * Delivery jobs in flight at once in this process, over all destinations; and, apart from them,
   * first attempts made by fan-out jobs at once.
   */
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

/**
 * Added to a request's timeout for the life of its slot lease, so the lease outlasts the request
 * (the slot is given back once the receiver answers) even with a slow Redis round trip.
 */
const leaseGraceMs = 5_000;
/**
 * A first attempt waits this long in the fan-out job for a slot of a full destination, then parks.
 * Short: the fan-out job completes only once its first attempts are made or handed over.
 */
const firstAttemptSlotWait = { waitMs: 2_000, maxWaiting: 5_000 };
/** A job parked for a slot runs again after this even if no promotion reaches it. */
const parkSafetyDelayMs = 30_000;
/** A delivery stops waiting for an earlier one of its lead after this; see README, "Order". */
const orderWaitLimitMs = 15 * 60_000;
/** When this process cannot reach PostgreSQL or Redis, a delivery is tried again after this. */
const infrastructureRetryDelayMs = 5_000;
/** Fan-out jobs run at once in this process. */
const fanOutJobConcurrency = 8;

/** The two consumers of the dispatcher: event fan-out (with first attempts), and deliveries. */
export function createDispatcherWorkers(options: DispatcherWorkersOptions): Worker[] {
  const { fanOut, attempter, slots, queues, logger, retryDelaysMs } = options;
  const deliveriesQueue = queues.queue(queueNames.deliveries);
  const promoter = new ParkedJobPromoter({ queue: deliveriesQueue, logger });
  const deliveryJobs = new DeliveryJobEnqueuer({ queues });
  const firstAttempts = new FirstAttempts({
    attempter,
    slots,
    jobs: deliveryJobs,
    promoter,
    limiter: new ConcurrencyLimiter(options.concurrency),
    retryDelaysMs,
    leaseGraceMs,
    slotWait: firstAttemptSlotWait,
    logger,
  });

  const fanOutWorker = new Worker(
    queueNames.events,
    async (job: Job) => {
      const eventIds = eventIdsOf(job);
      const created = await fanOut.fanOut(eventIds);
      if (job.attemptsStarted > 1 || job.attemptsMade > 0 || job.stalledCounter > 0) {
        // An earlier run stopped part-way: what it left pending gets a delivery job (a no-op for one
        // that has its job already), and nothing is attempted here, since a delivery of the earlier
        // run may already be with its job.
        const left = await fanOut.leftByInterruptedRun(eventIds);
        await Promise.all(left.map(({ deliveryId, nextAttemptAt }) => deliveryJobs.enqueue({ deliveryId, runAt: nextAttemptAt ?? undefined })));
        return { deliveries: created.length, handedOver: left.length };
      }
      return { deliveries: created.length, ...(await firstAttempts.run(created)) };
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      // A job carries up to a committed worker batch of events; its first attempts are bounded by
      // DISPATCHER_CONCURRENCY (FirstAttempts), so a few jobs at once keep that many in flight.
      concurrency: fanOutJobConcurrency,
      autorun: false,
      // A dispatcher killed mid-attempt leaves its fan-out job stalled; the next run hands what
      // is left to delivery jobs, which send it again with the same message id.
      lockDuration: options.stalledAfterMs,
      stalledInterval: options.stalledAfterMs,
      maxStalledCount: 10,
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
      await promoter.promote(runnable);
      throw new DelayedError();
    }
    const release = new SlotRelease(async () => promoter.promote(await slots.release(lease, delivery.maxConcurrency)));
    try {
      const attemptsAllowed = Math.min(job.opts.attempts ?? 1, retryDelaysMs.length + 1);
      // A first run's first attempt may have been made by its fan-out job (see isFirstRunJob).
      const attemptsMadeInRun = isFirstRunJob(job.id, delivery.deliveryId) ? delivery.attemptCount : job.attemptsMade;
      return await attempter.attempt(delivery, {
        isFinalAttempt: attemptsMadeInRun + 1 >= attemptsAllowed,
        retryDelayMs: retryDelaysMs[Math.min(attemptsMadeInRun, retryDelaysMs.length - 1)] ?? 0,
        onAnswered: () => release.start(),
      });
    } finally {
      await release.settled();
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

/** The events of a fan-out job: `fan-out-events`, or `fan-out-event` enqueued by a worker from before it. */
function eventIdsOf(job: Job): string[] {
  if (job.name === jobCatalog.fanOutEvents.name) return parseJobPayload(FanOutEventsPayload, job).eventIds;
  if (job.name === jobCatalog.fanOutEvent.name) return [parseJobPayload(FanOutEventPayload, job).eventId];
  throw new UnrecoverableError(`the events queue has no job named ${job.name}`);
}
