import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { FanOutEventPayload, FanOutEventsPayload, jobCatalog, parseJobPayload } from '@leadrelay/queue';
import type { EventFanOut } from './event-fan-out.ts';
import type { DeliveryJobEnqueuer } from './delivery-job-enqueuer.ts';
import type { FirstAttempts } from './first-attempts.ts';

export interface FanOutProcessorOptions {
  fanOut: EventFanOut;
  firstAttempts: FirstAttempts;
  deliveryJobs: DeliveryJobEnqueuer;
}

/**
 * The `events` queue's processor: fans a job's events out into deliveries and starts their first
 * attempts; then the job waits, delayed, until those are recorded, and its next run gives a job to
 * any delivery a killed dispatcher left pending.
 */
export class FanOutProcessor {
  readonly #options: FanOutProcessorOptions;

  constructor(options: FanOutProcessorOptions) {
    this.#options = options;
  }

  async process(job: Job, token: string | undefined): Promise<Record<string, number>> {
    const { fanOut, firstAttempts, deliveryJobs } = this.#options;
    const eventIds = eventIdsOf(job);
    const created = await fanOut.fanOut(eventIds);
    if (job.attemptsStarted > 1 || job.attemptsMade > 0 || job.stalledCounter > 0) {
      // An earlier run started first attempts and waited for them, or stopped part-way: what it
      // left pending gets a delivery job (a no-op for one that has its job already), and nothing is
      // attempted here, since a delivery of the earlier run may already be with its job.
      const left = await fanOut.leftByInterruptedRun(eventIds);
      await Promise.all(left.map(({ deliveryId, nextAttemptAt }) => deliveryJobs.enqueue({ deliveryId, runAt: nextAttemptAt ?? undefined })));
      return { deliveries: created.length, handedOver: left.length };
    }
    const { counts, settledBy } = await firstAttempts.start(created);
    if (!settledBy) return { deliveries: created.length, ...counts };
    // Off the fan-out places until the attempts are recorded: no receiver holds up other leads.
    await job.moveToDelayed(settledBy.getTime(), token);
    throw new DelayedError();
  }
}

/** The events of a fan-out job: `fan-out-events`, or `fan-out-event` enqueued by a worker from before it. */
function eventIdsOf(job: Job): string[] {
  if (job.name === jobCatalog.fanOutEvents.name) return parseJobPayload(FanOutEventsPayload, job).eventIds;
  if (job.name === jobCatalog.fanOutEvent.name) return [parseJobPayload(FanOutEventPayload, job).eventId];
  throw new UnrecoverableError(`the events queue has no job named ${job.name}`);
}
