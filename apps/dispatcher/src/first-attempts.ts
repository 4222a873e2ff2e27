import type { Logger } from '@leadrelay/observability';
import { RetryableDeliveryError, type DeliveryAttempter, type PreparedDelivery } from './delivery-attempt.ts';
import type { SlotWaitOptions } from './destination-slots.ts';
import type { DeliveryJobEnqueuer } from './delivery-job-enqueuer.ts';
import type { ConcurrencyLimiter } from './concurrency-limiter.ts';
import type { SlottedAttempt } from './slotted-attempt.ts';

export interface FirstAttemptsOptions {
  attempter: DeliveryAttempter;
  slottedAttempt: SlottedAttempt;
  jobs: DeliveryJobEnqueuer;
  /** Bounds the first attempts in flight in this process (DISPATCHER_CONCURRENCY). */
  limiter: ConcurrencyLimiter;
  /**
   * Bounds the first attempts this process has taken on and not finished (waiting for a slot or a
   * place, in flight, being recorded): a fan-out job waits for room here, never for a receiver.
   */
  admission: ConcurrencyLimiter;
  /** Attempts a run of the retry schedule allows (DISPATCH_RETRY_SCHEDULE's waits, plus one). */
  attemptsAllowed: number;
  /**
   * How long a first attempt waits in this process for a slot of a full destination before its
   * delivery is handed to a parked job, and how many may wait per destination.
   */
  slotWait: Omit<SlotWaitOptions, 'handOverMinRemainingMs'>;
  /**
   * A first attempt not started this long after its fan-out job handed it over is given to a
   * delivery job instead (no free place in this process meanwhile).
   */
  startWindowMs: number;
  /** Time allowed, after a request's timeout, to record its attempt and add its retry job. */
  recordAllowanceMs: number;
  logger: Logger;
}

/** What became of one delivery handed to FirstAttempts, as far as its fan-out job waits to know. */
export type FirstAttemptStart = 'started' | 'handed-over' | 'paused' | 'skipped';

export interface StartOptions {
  /**
   * Called with `settledBy` before any attempt starts: it makes sure that something looks at these
   * deliveries then, even if this process is killed meanwhile.
   */
  beforeAttempts: (settledBy: Date) => Promise<void>;
}

export interface FirstAttemptsStarted {
  counts: Record<FirstAttemptStart, number>;
  /**
   * When every attempt started here has ended and is recorded, or has been given to a delivery job.
   * Null when nothing was started.
   */
  settledBy: Date | null;
}

/**
 * The first attempt of the deliveries a fan-out job has just created, made in this process without
 * a delivery job. A delivery job costs BullMQ several scripts in Redis (add, take, finish); most
 * deliveries succeed the first time, so only those that need one get a job: after a failed attempt
 * (its retry, delayed by the schedule), or when the attempt cannot go now (no free slot at the
 * destination, an earlier delivery of its lead not tried yet, our own trouble with PostgreSQL or
 * Redis); the delivery job then does exactly what it does for any delivery.
 *
 * The fan-out job waits for no receiver: `start` returns once each delivery is read and its attempt
 * started or handed over, so a receiver that hangs delays nobody else's leads. Crash safety rests
 * on what `beforeAttempts` arranges (a `settle-fan-out` job, delayed until `settledBy`): if the
 * dispatcher dies, it gives every delivery left pending a job (EventFanOut.leftByInterruptedRun),
 * which sends it again with the same message id. An attempt that could not start in time for it
 * is handed to its job instead of being made here.
 */
export class FirstAttempts {
  readonly #options: FirstAttemptsOptions;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: FirstAttemptsOptions) {
    this.#options = options;
  }

  /**
   * Reads each delivery and starts its attempt or gives it a job. Rejects (after the others are
   * started) when one could be neither read nor handed over, so that the fan-out job fails and
   * its next run hands what is left to delivery jobs.
   */
  async start(deliveryIds: string[], { beforeAttempts }: StartOptions): Promise<FirstAttemptsStarted> {
    const { attempter, startWindowMs, recordAllowanceMs } = this.#options;
    const startedAtMs = Date.now();
    const plans = await Promise.allSettled(deliveryIds.map((deliveryId) => attempter.plan(deliveryId)));
    const ready: PreparedDelivery[] = [];
    const counts: Record<FirstAttemptStart, number> = { started: 0, 'handed-over': 0, paused: 0, skipped: 0 };
    const handOvers: Promise<void>[] = [];
    plans.forEach((plan, index) => {
      if (plan.status === 'rejected') {
        this.#options.logger.warn({ err: plan.reason, deliveryId: deliveryIds[index] }, 'first attempt not made by the fan-out job; handing it to a delivery job');
        handOvers.push(this.#options.jobs.enqueue({ deliveryId: deliveryIds[index]! }));
        counts['handed-over'] += 1;
      } else if (plan.value.kind === 'skip') counts.skipped += 1;
      else if (plan.value.kind === 'paused') counts.paused += 1;
      // Behind an earlier delivery of its lead: the delivery job waits for it.
      else if (plan.value.kind === 'behind-earlier') {
        handOvers.push(this.#options.jobs.enqueue({ deliveryId: deliveryIds[index]! }));
        counts['handed-over'] += 1;
      } else ready.push(plan.value.delivery);
    });
    const handedOver = await Promise.allSettled(handOvers);
    const failed = handedOver.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    if (ready.length === 0) return { counts, settledBy: null };

    const longestTimeoutMs = Math.max(...ready.map((delivery) => delivery.timeoutMs));
    const settledByMs = startedAtMs + startWindowMs + longestTimeoutMs + recordAllowanceMs;
    await beforeAttempts(new Date(settledByMs));
    for (const delivery of ready) {
      // Started in time, the attempt is recorded before the settle-fan-out job looks.
      const startByMs = settledByMs - delivery.timeoutMs - recordAllowanceMs;
      await this.#admit(() => this.#attemptOrHandOver(delivery, startByMs));
      counts.started += 1;
    }
    return { counts, settledBy: new Date(settledByMs) };
  }

  /** Waits for the attempts started here; the dispatcher stops only once they are recorded. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  /** Resolves once `attempt` has room and has begun; it goes on in the background, tracked for drain. */
  #admit(attempt: () => Promise<void>): Promise<void> {
    return new Promise<void>((admitted) => {
      const running = this.#options.admission.run(() => {
        admitted();
        return attempt();
      });
      this.#inFlight.add(running);
      void running.finally(() => this.#inFlight.delete(running));
    });
  }

  async #attemptOrHandOver(delivery: PreparedDelivery, startByMs: number): Promise<void> {
    const { slottedAttempt, jobs, limiter, attemptsAllowed, slotWait, logger } = this.#options;
    const { deliveryId } = delivery;
    try {
      try {
        // Waiting for a slot happens outside the limiter: deliveries waiting for a full destination
        // must not take the places of requests to other destinations.
        const result = await slottedAttempt.run(delivery, {
          attemptsMadeInRun: 0,
          attemptsAllowed,
          slotWait,
          limiter,
          mayStart: () => Date.now() <= startByMs,
        });
        if (result.kind === 'attempted') return;
        // Still saturated, or too late for the fan-out job's next run: the delivery job does it.
      } catch (error) {
        if (error instanceof RetryableDeliveryError) {
          // Recorded with its next attempt time; the delivery job waits until then.
          await jobs.enqueue({ deliveryId, runAt: error.retryAt });
          return;
        }
        // PostgreSQL or Redis trouble, a secret that cannot be decrypted: the delivery job handles
        // these as it does for any of its attempts (tries again later, or fails the delivery).
        logger.warn({ err: error, deliveryId }, 'first attempt not made by the fan-out job; handing it to a delivery job');
      }
      await jobs.enqueue({ deliveryId });
    } catch (error) {
      // Not even the job could be added: the fan-out job's next run gives the delivery one.
      logger.error({ err: error, deliveryId }, 'a first attempt could not be handed to a delivery job; the fan-out job will');
    }
  }
}
