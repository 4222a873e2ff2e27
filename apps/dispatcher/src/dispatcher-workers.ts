import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@leadrelay/observability';
import {
  DeliverPayload,
  FanOutEventPayload,
  cappedExponentialBackoffMs,
  jobIdFor,
  parseJobPayload,
  queueNames,
  type QueueRegistry,
} from '@leadrelay/queue';
import type { EventFanOut } from './event-fan-out.ts';
import { RetryableDeliveryError, type DeliveryAttempter } from './delivery-attempt.ts';

export interface DispatcherWorkersOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** Waits before attempts 2..n, in ms. */
  retryDelaysMs: number[];
  fanOut: EventFanOut;
  attempter: DeliveryAttempter;
  queues: QueueRegistry;
  logger: Logger;
}

/** Job options of a delivery: one attempt plus one per scheduled retry, waiting on the schedule. */
export function deliveryJobOptions(deliveryId: string, retryDelaysMs: number[], suffix = '') {
  return {
    jobId: jobIdFor('delivery', `${deliveryId}${suffix}`),
    attempts: retryDelaysMs.length + 1,
    backoff: { type: 'delivery-schedule' },
  };
}

/** The two consumers of the dispatcher: event fan-out, and deliveries. */
export function createDispatcherWorkers(options: DispatcherWorkersOptions): Worker[] {
  const { fanOut, attempter, queues, logger, retryDelaysMs } = options;

  const fanOutWorker = new Worker(
    queueNames.events,
    async (job: Job) => {
      const { eventId } = parseJobPayload(FanOutEventPayload, job);
      const { pendingDeliveryIds, pausedCount } = await fanOut.fanOut(eventId);
      await queues.enqueueBulk(
        'deliver',
        pendingDeliveryIds.map((deliveryId) => ({ payload: { deliveryId }, options: deliveryJobOptions(deliveryId, retryDelaysMs) })),
      );
      return { deliveries: pendingDeliveryIds.length, paused: pausedCount };
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: 20,
      autorun: false,
      settings: { backoffStrategy: (attemptsMade: number) => cappedExponentialBackoffMs(attemptsMade) },
    },
  );

  const deliveryWorker = new Worker(
    queueNames.deliveries,
    async (job: Job) => {
      const { deliveryId } = parseJobPayload(DeliverPayload, job);
      const attemptsAllowed = job.opts.attempts ?? 1;
      const isFinalAttempt = job.attemptsMade + 1 >= attemptsAllowed;
      const delayMs = retryDelaysMs[Math.min(job.attemptsMade, retryDelaysMs.length - 1)] ?? 0;
      const outcome = await attempter.attempt(deliveryId, {
        isFinalAttempt,
        nextAttemptAt: isFinalAttempt ? null : new Date(Date.now() + delayMs),
      });
      return { outcome };
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
      settings: {
        // Waiting retries are delayed jobs: they hold no worker slot.
        backoffStrategy: (attemptsMade: number) => retryDelaysMs[Math.min(attemptsMade - 1, retryDelaysMs.length - 1)] ?? 0,
      },
    },
  );
  deliveryWorker.on('failed', (job, error) => {
    if (error instanceof RetryableDeliveryError || error.name === 'RetryableDeliveryError') {
      logger.info({ jobId: job?.id, attempt: job?.attemptsMade, reason: error.message }, 'delivery attempt failed');
    } else {
      logger.warn({ jobId: job?.id, err: error }, 'delivery job failed');
    }
  });
  return [fanOutWorker, deliveryWorker];
}
