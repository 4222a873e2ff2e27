import { Worker } from 'bullmq';
import type { RedisConnection } from '@leadrelay/queue';
import type { Logger } from '@leadrelay/observability';
import { cappedExponentialBackoffMs, queueNames, type QueueRegistry } from '@leadrelay/queue';
import type { EventFanOut } from './event-fan-out.ts';
import type { DeliveryAttempter } from './delivery-attempt.ts';
import type { DestinationSlots } from './destination-slots.ts';
import { DeliveryJobEnqueuer } from './delivery-job-enqueuer.ts';
import { ParkedJobPromoter } from './parked-job-promoter.ts';
import { FirstAttempts } from './first-attempts.ts';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { SlottedAttempt } from './slotted-attempt.ts';
import { FanOutProcessor } from './fan-out-processor.ts';
import { DeliveryProcessor } from './delivery-processor.ts';
import { dispatchTuning } from './dispatch-tuning.ts';

export interface DispatcherWorkersOptions {
  connection: RedisConnection;
  prefix: string;
  /**
   * Delivery jobs in flight at once in this process, over all destinations; and, apart from them,
   * first attempts started by fan-out jobs at once.
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

/** The two consumers of the dispatcher, and the first attempts running beside them. */
export interface DispatcherWorkers {
  workers: Worker[];
  /** Stops taking jobs, and waits for the jobs and first attempts under way to be recorded. */
  close(): Promise<void>;
}

/** Wires the dispatcher's collaborators to its two consumers: event fan-out and deliveries. */
export function createDispatcherWorkers(options: DispatcherWorkersOptions): DispatcherWorkers {
  const { attempter, slots, queues, logger, retryDelaysMs } = options;
  const promoter = new ParkedJobPromoter({ queue: queues.queue(queueNames.deliveries), logger });
  const deliveryJobs = new DeliveryJobEnqueuer({ queues });
  const slottedAttempt = new SlottedAttempt({ attempter, slots, promoter, retryDelaysMs, leaseGraceMs: dispatchTuning.leaseGraceMs });
  const firstAttempts = new FirstAttempts({
    attempter,
    slottedAttempt,
    jobs: deliveryJobs,
    limiter: new ConcurrencyLimiter(options.concurrency),
    admission: new ConcurrencyLimiter(options.concurrency * dispatchTuning.firstAttemptsTakenOnPerPlace),
    attemptsAllowed: retryDelaysMs.length + 1,
    slotWait: dispatchTuning.firstAttemptSlotWait,
    startWindowMs: dispatchTuning.firstAttemptStartWindowMs,
    recordAllowanceMs: dispatchTuning.recordAllowanceMs,
    logger,
  });
  const fanOutProcessor = new FanOutProcessor({ fanOut: options.fanOut, firstAttempts, deliveryJobs, queues });
  const deliveryProcessor = new DeliveryProcessor({ attempter, slottedAttempt, slots, promoter, retryDelaysMs, logger });
  const lockAndStall = {
    // A dispatcher killed mid-job leaves it stalled; the next run of a fan-out job hands what is
    // left to delivery jobs, and a delivery job runs again with the same message id.
    lockDuration: options.stalledAfterMs,
    stalledInterval: options.stalledAfterMs,
    maxStalledCount: 10,
  };

  const fanOutWorker = new Worker(queueNames.events, (job) => fanOutProcessor.process(job), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: dispatchTuning.fanOutJobConcurrency,
    autorun: false,
    ...lockAndStall,
    settings: { backoffStrategy: (attemptsMade: number) => cappedExponentialBackoffMs(attemptsMade) },
  });
  const deliveryWorker = new Worker(queueNames.deliveries, (job, token) => deliveryProcessor.process(job, token), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    autorun: false,
    ...lockAndStall,
    settings: { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => deliveryProcessor.backoffMs(attemptsMade, error) },
  });
  deliveryWorker.on('failed', (job, error) => deliveryProcessor.onFailed(job, error));
  const workers = [fanOutWorker, deliveryWorker];
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((worker) => worker.close()));
      await firstAttempts.drain();
    },
  };
}
