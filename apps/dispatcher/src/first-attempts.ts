import type { Logger } from '@leadrelay/observability';
import { RetryableDeliveryError, type DeliveryAttempter } from './delivery-attempt.ts';
import type { DestinationSlots, SlotWaitOptions } from './destination-slots.ts';
import type { DeliveryJobEnqueuer } from './delivery-job-enqueuer.ts';
import type { ParkedJobPromoter } from './parked-job-promoter.ts';
import type { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { SlotRelease } from './slot-release.ts';

export interface FirstAttemptsOptions {
  attempter: DeliveryAttempter;
  slots: DestinationSlots;
  jobs: DeliveryJobEnqueuer;
  promoter: ParkedJobPromoter;
  /** Bounds the first attempts in flight in this process (DISPATCHER_CONCURRENCY). */
  limiter: ConcurrencyLimiter;
  /** Waits before attempts 2..n, in ms (DISPATCH_RETRY_SCHEDULE). */
  retryDelaysMs: number[];
  /** Added to a request's timeout for the life of its slot lease, so the lease outlasts the request. */
  leaseGraceMs: number;
  /**
   * How long a first attempt waits in this process for a slot of a full destination before its
   * delivery is handed to a parked job, and how many may wait per destination.
   */
  slotWait: Omit<SlotWaitOptions, 'handOverMinRemainingMs'>;
  logger: Logger;
}

/** What became of one delivery handed to FirstAttempts. */
export type FirstAttemptOutcome = 'attempted' | 'retry-scheduled' | 'handed-over' | 'paused' | 'skipped';

/**
 * The first attempt of the deliveries a fan-out job has just created, made by that job. A delivery
 * job costs BullMQ several scripts in Redis (add, take, finish); most deliveries succeed the first
 * time, so only those that need one get a job: after a failed attempt (its retry, delayed by the
 * schedule), or when the attempt cannot go now (no free slot at the destination, an earlier
 * delivery of its lead not tried yet, our own trouble with PostgreSQL or Redis); the delivery job
 * then does exactly what it does for any delivery.
 *
 * Crash safety rests on the fan-out job: while it runs, BullMQ holds its lock; if the dispatcher
 * dies, the job stalls and runs again, and that run gives every delivery left pending a job (see
 * EventFanOut.leftByInterruptedRun), which sends it again with the same message id.
 */
export class FirstAttempts {
  readonly #options: FirstAttemptsOptions;

  constructor(options: FirstAttemptsOptions) {
    this.#options = options;
  }

  /**
   * Attempts each delivery or gives it a job. Resolves once every one is recorded or has its job;
   * rejects (after the others are done) when one could be neither, so that the fan-out job fails
   * and its next run hands what is left to delivery jobs.
   */
  async run(deliveryIds: string[]): Promise<Record<FirstAttemptOutcome, number>> {
    const settled = await Promise.allSettled(deliveryIds.map((deliveryId) => this.#attemptOrHandOver(deliveryId)));
    const counts: Record<FirstAttemptOutcome, number> = { attempted: 0, 'retry-scheduled': 0, 'handed-over': 0, paused: 0, skipped: 0 };
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason;
      counts[result.value] += 1;
    }
    return counts;
  }

  async #attemptOrHandOver(deliveryId: string): Promise<FirstAttemptOutcome> {
    const { jobs, logger } = this.#options;
    try {
      const outcome = await this.#attempt(deliveryId);
      if (outcome !== 'handed-over') return outcome;
    } catch (error) {
      if (error instanceof RetryableDeliveryError) {
        // Recorded with its next attempt time; the delivery job waits until then.
        await jobs.enqueue({ deliveryId, runAt: error.retryAt });
        return 'retry-scheduled';
      }
      // PostgreSQL or Redis trouble, a secret that cannot be decrypted: the delivery job handles
      // these as it does for any of its attempts (tries again later, or fails the delivery).
      logger.warn({ err: error, deliveryId }, 'first attempt not made by the fan-out job; handing it to a delivery job');
    }
    await jobs.enqueue({ deliveryId });
    return 'handed-over';
  }

  /**
   * Waiting for a slot happens outside the limiter: deliveries waiting for a full destination must
   * not take the places of requests to other destinations.
   */
  async #attempt(deliveryId: string): Promise<FirstAttemptOutcome> {
    const { attempter, slots, promoter, limiter, retryDelaysMs, leaseGraceMs, slotWait } = this.#options;
    const plan = await attempter.plan(deliveryId);
    if (plan.kind === 'skip') return 'skipped';
    if (plan.kind === 'paused') return 'paused';
    // Behind an earlier delivery of its lead: the delivery job waits for it without holding this one.
    if (plan.kind === 'behind-earlier') return 'handed-over';
    const { delivery } = plan;
    const lease = await slots.acquireWithin(delivery.destinationId, delivery.maxConcurrency, delivery.timeoutMs + leaseGraceMs, {
      ...slotWait,
      // A lease handed over must outlast this request: the slot is given back once it is answered.
      handOverMinRemainingMs: delivery.timeoutMs + leaseGraceMs / 2,
    });
    // Still saturated: the delivery job parks until a slot is handed to it, in order with the others.
    if (!lease) return 'handed-over';
    const release = new SlotRelease(async () => promoter.promote(await slots.release(lease, delivery.maxConcurrency)));
    try {
      // Slot and place are for the request: both are given up once it is answered, while the
      // attempt is recorded (in a statement shared with others, which takes a while under load).
      await limiter.run((leave) =>
        attempter.attempt(delivery, {
          isFinalAttempt: retryDelaysMs.length === 0,
          retryDelayMs: retryDelaysMs[0] ?? 0,
          onAnswered: () => {
            release.start();
            leave();
          },
        }),
      );
      return 'attempted';
    } finally {
      await release.settled();
    }
  }
}
