import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { SecretDecryptionError } from '@leadrelay/credentials';
import { isFirstRunJob } from '@leadrelay/delivery';
import type { Logger } from '@leadrelay/observability';
import { DeliverPayload, parseJobPayload } from '@leadrelay/queue';
import { RetryableDeliveryError, type AttemptOutcome, type DeliveryAttempter } from './delivery-attempt.ts';
import type { DestinationSlots } from './destination-slots.ts';
import type { ParkedJobPromoter } from './parked-job-promoter.ts';
import type { SlottedAttempt } from './slotted-attempt.ts';
import { dispatchTuning } from './dispatch-tuning.ts';

export interface DeliveryProcessorOptions {
  attempter: DeliveryAttempter;
  slottedAttempt: SlottedAttempt;
  slots: DestinationSlots;
  promoter: ParkedJobPromoter;
  /** Waits before attempts 2..n, in ms (DISPATCH_RETRY_SCHEDULE). */
  retryDelaysMs: number[];
  logger: Logger;
}

/**
 * The `deliveries` queue's processor: retries on the schedule, deliveries waiting for a slot or for
 * an earlier one of their lead, replays and resumes. Each run of the job is one attempt.
 */
export class DeliveryProcessor {
  readonly #options: DeliveryProcessorOptions;

  constructor(options: DeliveryProcessorOptions) {
    this.#options = options;
  }

  async process(job: Job, token: string | undefined): Promise<{ outcome: AttemptOutcome | 'skip' | 'paused' }> {
    const { attempter, logger } = this.#options;
    const { deliveryId } = parseJobPayload(DeliverPayload, job);
    try {
      // Past the limit a delivery stops waiting for an earlier one of its lead; see README, "Order".
      const plan = await attempter.plan(deliveryId, { ignoreOrder: Date.now() - job.timestamp >= dispatchTuning.orderWaitLimitMs });
      if (plan.kind === 'skip' || plan.kind === 'paused') return { outcome: plan.kind };
      if (plan.kind === 'behind-earlier') {
        // Poll quickly while the job is young, then less often: the earlier delivery usually
        // finishes its first attempt within milliseconds, but may wait for a slot or time out.
        const waitMs = Math.min(2_000, Math.max(20, (Date.now() - job.timestamp) / 4));
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
      const { delivery } = plan;
      const { retryDelaysMs } = this.#options;
      const result = await this.#options.slottedAttempt.run(delivery, {
        // A first run's first attempt may have been made by its fan-out job (see isFirstRunJob).
        attemptsMadeInRun: isFirstRunJob(job.id, deliveryId) ? delivery.attemptCount : job.attemptsMade,
        attemptsAllowed: Math.min(job.opts.attempts ?? 1, retryDelaysMs.length + 1),
      });
      if (result.kind === 'attempted') return { outcome: result.outcome };
      // Saturated: wait in BullMQ's delayed set, holding no worker, until a slot is handed over.
      const { slots, promoter } = this.#options;
      await job.moveToDelayed(Date.now() + dispatchTuning.parkSafetyDelayMs, token);
      await promoter.promote(await slots.park(delivery.destinationId, job.id!, delivery.maxConcurrency, dispatchTuning.parkSafetyDelayMs * 2));
      throw new DelayedError();
    } catch (error) {
      if (error instanceof RetryableDeliveryError || error instanceof DelayedError) throw error;
      if (error instanceof SecretDecryptionError) {
        // The secret was encrypted with a key not in SECRET_ENCRYPTION_KEYS: no retry can fix that.
        throw new UnrecoverableError(`the destination secret cannot be decrypted: ${error.message}`);
      }
      // Our own trouble (PostgreSQL or Redis unreachable, ...) is not the receiver's failure: try
      // again soon without using up an attempt of the schedule.
      logger.warn({ err: error, deliveryId }, 'delivery could not be processed; trying again');
      await job.moveToDelayed(Date.now() + dispatchTuning.infrastructureRetryDelayMs, token);
      throw new DelayedError();
    }
  }

  /** BullMQ backoff: waiting retries are delayed jobs, holding no worker slot, until the recorded next attempt. */
  backoffMs(attemptsMade: number, error: Error | undefined): number {
    const { retryDelaysMs } = this.#options;
    return error instanceof RetryableDeliveryError
      ? Math.max(0, error.retryAt.getTime() - Date.now())
      : (retryDelaysMs[Math.min(attemptsMade - 1, retryDelaysMs.length - 1)] ?? 0);
  }

  /** A job that failed for good (not a retry on the schedule) ends its delivery as failed. */
  onFailed(job: Job | undefined, error: Error): void {
    const { attempter, logger } = this.#options;
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
  }
}
