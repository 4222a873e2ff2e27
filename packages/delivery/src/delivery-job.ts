import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import { jobIdFor } from '@leadrelay/queue';

/**
 * Job options of one run of a delivery (the attempt ceiling and backoff type come from the job
 * catalog's `deliver` entry). The first run's job id is the delivery's own, so adding it twice adds
 * one job; a replay or resume names its run, since BullMQ keeps finished jobs and would ignore a
 * second job with the first one's id.
 */
export function deliveryJobOptions(deliveryId: string, run?: string): JobsOptions & { jobId: string } {
  return { jobId: jobIdFor('delivery', run ? `${deliveryId}-${run}` : deliveryId) };
}

/** Why a delivery runs again: an operator's or subscriber's replay, or a destination enabled again. */
export type DeliveryRerunReason = 'replay' | 'resume';

/** Job options of a new run of a delivery that has finished its earlier ones; every such run is unique. */
export function deliveryRerunJobOptions(deliveryId: string, reason: DeliveryRerunReason): JobsOptions & { jobId: string } {
  return deliveryJobOptions(deliveryId, `${reason}-${randomUUID()}`);
}

/**
 * True for the job of a delivery's first run. Its fan-out job may have made the run's first attempt
 * before adding it (see the dispatcher's FirstAttempts), so the attempts this run has made are the
 * delivery's recorded ones, not the job's `attemptsMade`. A replay or resume starts a run of its own at zero.
 */
export function isFirstRunJob(jobId: string | undefined, deliveryId: string): boolean {
  return jobId === deliveryJobOptions(deliveryId).jobId;
}
