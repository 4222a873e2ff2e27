import type { AttemptOutcome, DeliveryAttempter, PreparedDelivery } from './delivery-attempt.ts';
import type { DestinationSlots, SlotLease, SlotWaitOptions } from './destination-slots.ts';
import type { ParkedJobPromoter } from './parked-job-promoter.ts';
import type { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { SlotRelease } from './slot-release.ts';

export interface SlottedAttemptOptions {
  attempter: DeliveryAttempter;
  slots: DestinationSlots;
  promoter: ParkedJobPromoter;
  /** Waits before attempts 2..n, in ms (DISPATCH_RETRY_SCHEDULE). */
  retryDelaysMs: number[];
  /** Added to a request's timeout for the life of its slot lease, so the lease outlasts the request. */
  leaseGraceMs: number;
}

/** Where an attempt stands in its run of the retry schedule, and how it may wait. */
export interface SlottedAttemptRequest {
  /** Attempts this run has made so far. */
  attemptsMadeInRun: number;
  /** Attempts the run may make in all (the schedule's, bounded by the job's ceiling). */
  attemptsAllowed: number;
  /** Wait this long in this process for a slot of a full destination; without it, no waiting. */
  slotWait?: Omit<SlotWaitOptions, 'handOverMinRemainingMs'>;
  /** Holds a place of this limiter from the slot until the receiver answered. */
  limiter?: ConcurrencyLimiter;
  /**
   * Checked once the slot and place are held: when it says no, the attempt is not made (the slot
   * is given back) and the result is `too-late`.
   */
  mayStart?: () => boolean;
}

export type SlottedAttemptResult =
  /** The destination has no free slot: the caller parks the delivery or hands it to a job. */
  | { kind: 'no-slot' }
  /** `mayStart` said no. */
  | { kind: 'too-late' }
  | { kind: 'attempted'; outcome: AttemptOutcome };

/**
 * The one path of an attempt, for the fan-out job's first attempts and for delivery jobs alike:
 * take a slot of the destination, send and record the attempt (which decides final or not, and the
 * retry time, from the run's place in the schedule), give the slot back as soon as the receiver
 * answered and hand freed slots to parked jobs. A retry to schedule is thrown as
 * RetryableDeliveryError, for the caller to give it the job that waits until then.
 */
export class SlottedAttempt {
  readonly #options: SlottedAttemptOptions;

  constructor(options: SlottedAttemptOptions) {
    this.#options = options;
  }

  async run(delivery: PreparedDelivery, request: SlottedAttemptRequest): Promise<SlottedAttemptResult> {
    const { attempter, slots, promoter, retryDelaysMs, leaseGraceMs } = this.#options;
    const lease = await this.#acquire(delivery, request.slotWait);
    if (!lease) return { kind: 'no-slot' };
    const release = new SlotRelease(async () => promoter.promote(await slots.release(lease, delivery.maxConcurrency)));
    const attempt = (leave: () => void): Promise<SlottedAttemptResult> => {
      if (request.mayStart && !request.mayStart()) return Promise.resolve({ kind: 'too-late' });
      return attempter
        .attempt(delivery, {
          isFinalAttempt: request.attemptsMadeInRun + 1 >= request.attemptsAllowed,
          retryDelayMs: retryDelaysMs[Math.min(request.attemptsMadeInRun, retryDelaysMs.length - 1)] ?? 0,
          // Slot and place are for the request: both are given up once it is answered, while the
          // attempt is recorded (in a statement shared with others, which takes a while under load).
          onAnswered: () => {
            release.start();
            leave();
          },
        })
        .then((outcome) => ({ kind: 'attempted', outcome }));
    };
    try {
      return await (request.limiter ? request.limiter.run(attempt) : attempt(() => undefined));
    } finally {
      await release.settled();
    }
  }

  #acquire(delivery: PreparedDelivery, slotWait: SlottedAttemptRequest['slotWait']): Promise<SlotLease | null> {
    const { slots, leaseGraceMs } = this.#options;
    const leaseMs = delivery.timeoutMs + leaseGraceMs;
    if (!slotWait) return slots.acquire(delivery.destinationId, delivery.maxConcurrency, leaseMs);
    return slots.acquireWithin(delivery.destinationId, delivery.maxConcurrency, leaseMs, {
      ...slotWait,
      // A lease handed over must outlast this request: the slot is given back once it is answered.
      handOverMinRemainingMs: delivery.timeoutMs + leaseGraceMs / 2,
    });
  }
}
