import type { JobsOptions } from 'bullmq';
import { jobIdFor } from '@leadrelay/queue';

/**
 * BullMQ attempts given to every delivery job. The dispatcher ends a run itself after the attempts
 * its DISPATCH_RETRY_SCHEDULE allows (the last one is recorded as `failed` and the job completes),
 * so producers that do not know the schedule (the admin's replays) only need a number above it.
 * The admin's `delivery-replayer.ts` uses the same value.
 */
export const deliveryJobAttemptCeiling = 100;

/** Backoff type of delivery jobs; the delivery worker's strategy waits until the recorded next attempt. */
export const deliveryBackoffType = 'delivery-schedule';

/**
 * Job options of one run of a delivery. The first run's job id is the delivery's own, so adding it
 * twice adds one job; replays and resumes name their run, since BullMQ keeps finished jobs and
 * would ignore a second job with the first one's id.
 */
export function deliveryJobOptions(deliveryId: string, run?: string): JobsOptions & { jobId: string } {
  return {
    jobId: jobIdFor('delivery', run ? `${deliveryId}-${run}` : deliveryId),
    attempts: deliveryJobAttemptCeiling,
    backoff: { type: deliveryBackoffType },
  };
}

/**
 * True for the job of a delivery's first run. Its fan-out job may have made the run's first attempt
 * before adding it (see FirstAttempts), so the attempts this run has made are the delivery's
 * recorded ones, not the job's `attemptsMade`. A replay or resume starts a run of its own at zero.
 */
export function isFirstRunJob(jobId: string | undefined, deliveryId: string): boolean {
  return jobId === deliveryJobOptions(deliveryId).jobId;
}
