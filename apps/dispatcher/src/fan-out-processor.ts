import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Job } from 'bullmq';
import { FanOutEventPayload, FanOutEventsPayload, jobCatalog, jobIdFor, parseJobPayload, type QueueRegistry } from '@leadrelay/queue';
import type { EventFanOut } from './event-fan-out.ts';
import type { DeliveryJobEnqueuer } from './delivery-job-enqueuer.ts';
import type { FirstAttempts } from './first-attempts.ts';

export interface FanOutProcessorOptions {
  fanOut: EventFanOut;
  firstAttempts: FirstAttempts;
  deliveryJobs: DeliveryJobEnqueuer;
  queues: QueueRegistry;
}

/**
 * The `events` queue's processor. A fan-out job fans its events out into deliveries and starts
 * their first attempts, after adding the `settle-fan-out` job that, once they must have been
 * recorded, gives a job to any delivery a killed dispatcher left pending; it completes without
 * waiting for a receiver.
 */
export class FanOutProcessor {
  readonly #options: FanOutProcessorOptions;

  constructor(options: FanOutProcessorOptions) {
    this.#options = options;
  }

  async process(job: Job): Promise<Record<string, number>> {
    const { fanOut, firstAttempts, queues } = this.#options;
    const eventIds = eventIdsOf(job);
    if (job.name === jobCatalog.settleFanOut.name) return { handedOver: await this.#handOverLeftPending(eventIds) };
    const created = await fanOut.fanOut(eventIds);
    if (job.attemptsStarted > 1 || job.attemptsMade > 0 || job.stalledCounter > 0) {
      // An earlier run stopped part-way: nothing is attempted here, since a delivery of the
      // earlier run may already be with its job.
      return { deliveries: created.length, handedOver: await this.#handOverLeftPending(eventIds) };
    }
    const { counts } = await firstAttempts.start(created, {
      beforeAttempts: (settledBy) =>
        queues.enqueue(
          'settleFanOut',
          { eventIds },
          { jobId: jobIdFor('settleFanOut', job.id ?? randomUUID()), delay: Math.max(0, settledBy.getTime() - Date.now()) },
        ),
    });
    return { deliveries: created.length, ...counts };
  }

  /** Gives a delivery job (a no-op for one that has its job already) to what is left pending. */
  async #handOverLeftPending(eventIds: string[]): Promise<number> {
    const left = await this.#options.fanOut.leftByInterruptedRun(eventIds);
    await Promise.all(left.map(({ deliveryId, nextAttemptAt }) => this.#options.deliveryJobs.enqueue({ deliveryId, runAt: nextAttemptAt ?? undefined })));
    return left.length;
  }
}

/** The events of a job on the events queue: `fan-out-events`, `settle-fan-out`, or `fan-out-event` enqueued by a worker from before them. */
function eventIdsOf(job: Job): string[] {
  if (job.name === jobCatalog.fanOutEvents.name || job.name === jobCatalog.settleFanOut.name) return parseJobPayload(FanOutEventsPayload, job).eventIds;
  if (job.name === jobCatalog.fanOutEvent.name) return [parseJobPayload(FanOutEventPayload, job).eventId];
  throw new UnrecoverableError(`the events queue has no job named ${job.name}`);
}
