import { UnrecoverableError } from 'bullmq';
import { recordRefusedLeadChange, type Logger } from '@leadrelay/observability';
import { classifyDatabaseError, describeDatabaseError, type DatabaseErrorKind } from './database-error.ts';
import type { IdentityClaimKeeper } from './identity-claim-keeper.ts';
import type { LeadPersister, PersistResult } from './lead-persister.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import type { Submission, SubmissionOutcome } from './submission.ts';

export interface PersistPipelineOptions {
  persister: LeadPersister;
  relay: OutboxRelay;
  /** Points claims of merged aliases at their lead; absent when claims are not kept. */
  claims?: IdentityClaimKeeper;
  logger: Logger;
  /** Called after each committed batch, e.g. for metrics. */
  onBatchPersisted?(size: number, durationMs: number): void;
  /** Called after a persist transaction failed, with how its error is classified, e.g. for metrics. */
  onPersistFailed?(kind: DatabaseErrorKind): void;
  /** Called after a committed batch dropped activities because their partner had too many pending. */
  onPendingDropped?(count: number): void;
}

/**
 * What happens to one lane's batches: each persisted in one transaction, then its events
 * enqueued (outbox) and merged aliases' claims repaired; only then do the batch's jobs complete.
 * A lane's transactions run one at a time, in batch order, so a lead's events are numbered in
 * the order its jobs were taken; publishing a batch overlaps with writing the next one.
 */
export class PersistPipeline {
  readonly #options: PersistPipelineOptions;
  #lastWrite: Promise<unknown> = Promise.resolve();

  constructor(options: PersistPipelineOptions) {
    this.#options = options;
  }

  /**
   * The batcher's flush: settles every submission of the batch. `writeDone` is called once the
   * transaction is over, so the next batch is written while this one is published.
   */
  async flush(submissions: Submission[], writeDone: () => void = () => {}): Promise<PromiseSettledResult<SubmissionOutcome>[]> {
    let result: PersistResult;
    try {
      result = await this.#write(submissions);
      writeDone();
    } catch (error) {
      const kind = classifyDatabaseError(error);
      if (submissions.length > 1 && (kind === 'data' || kind === 'unknown')) {
        // Probably one submission PostgreSQL refuses: write each alone, so only that one fails.
        this.#options.logger.warn({ submissions: submissions.length, reason: describeDatabaseError(error) }, 'batch refused; writing its submissions one by one');
        return this.#flushOneByOne(submissions);
      }
      this.#options.logger.warn({ submissions: submissions.length, kind, reason: describeDatabaseError(error) }, 'batch not persisted; its jobs are retried');
      throw error;
    }
    const publishStartedAt = performance.now();
    await this.#publish(result);
    this.#options.logger.debug(
      { submissions: submissions.length, events: result.eventIdsToEnqueue.length, publishMs: Math.round(performance.now() - publishStartedAt) },
      'batch persisted and published',
    );
    return result.outcomes.map((value) => ({ status: 'fulfilled', value }));
  }

  async #flushOneByOne(submissions: Submission[]): Promise<PromiseSettledResult<SubmissionOutcome>[]> {
    const settled: PromiseSettledResult<SubmissionOutcome>[] = [];
    for (const submission of submissions) {
      try {
        const result = await this.#write([submission]);
        await this.#publish(result);
        settled.push({ status: 'fulfilled', value: result.outcomes[0]! });
      } catch (error) {
        const reason =
          classifyDatabaseError(error) === 'data'
            ? new UnrecoverableError(`PostgreSQL refuses this submission: ${describeDatabaseError(error)}`)
            : error;
        settled.push({ status: 'rejected', reason });
      }
    }
    return settled;
  }

  /** One transaction at a time, in the order batches were flushed. */
  #write(submissions: Submission[]): Promise<PersistResult> {
    const write = this.#lastWrite.then(async () => {
      const startedAt = performance.now();
      let result: PersistResult;
      try {
        result = await this.#options.persister.persist(submissions);
      } catch (error) {
        this.#options.onPersistFailed?.(classifyDatabaseError(error));
        throw error;
      }
      const durationMs = performance.now() - startedAt;
      this.#options.onBatchPersisted?.(submissions.length, durationMs);
      this.#options.logger.debug({ submissions: submissions.length, transactionMs: Math.round(durationMs), phasesMs: result.phasesMs }, 'batch written');
      if (result.droppedPending.length > 0) {
        // Ids only: the activities are the partner's data.
        for (const { partnerId, submissionId } of result.droppedPending) {
          this.#options.logger.warn({ partnerId, submissionId }, 'activities dropped: their lead is not stored and the partner has too many pending already');
        }
        this.#options.onPendingDropped?.(result.droppedPending.length);
      }
      for (const { partnerId, submissionId, route } of result.refusedChanges) {
        this.#options.logger.warn({ partnerId, submissionId }, "activities dropped: the partner may not change another partner's lead");
        recordRefusedLeadChange(route, 'worker');
      }
      return result;
    });
    this.#lastWrite = write.catch(() => undefined);
    return write;
  }

  async #publish(result: PersistResult): Promise<void> {
    await this.#options.relay.enqueue(result.eventIdsToEnqueue);
    if (this.#options.claims && result.claimRepairs.length > 0) await this.#options.claims.repair(result.claimRepairs);
  }
}
