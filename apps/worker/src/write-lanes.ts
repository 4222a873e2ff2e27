import type { TimedBatcher } from './timed-batcher.ts';
import type { Submission, SubmissionOutcome } from './submission.ts';

/**
 * Several batchers, each writing its own batches one transaction at a time, with every
 * submission for one lead always in the same lane (by the lead id intake gave it). Lanes write
 * at once, so PostgreSQL works on one batch while the worker plans the next, yet a lead's
 * submissions are still written in the order their jobs were taken: an activity never races
 * ahead of the lead it belongs to, and a lead's events are numbered in order. (A submission
 * stored on another lead, under an alias, locks that lead's row: see LeadPersister.)
 */
export class WriteLanes {
  readonly #lanes: readonly TimedBatcher<Submission, SubmissionOutcome>[];

  constructor(lanes: readonly TimedBatcher<Submission, SubmissionOutcome>[]) {
    if (lanes.length === 0) throw new Error('at least one write lane is needed');
    this.#lanes = lanes;
  }

  add(submission: Submission): Promise<SubmissionOutcome> {
    return this.#lanes[laneIndex(submission.payload.leadId, this.#lanes.length)]!.add(submission);
  }

  /** Flushes every lane and resolves once all their batches have settled; later adds are refused. */
  async close(): Promise<void> {
    await Promise.all(this.#lanes.map((lane) => lane.close()));
  }
}

/**
 * The lane of a lead id: stable across processes and restarts, spread evenly over the lanes.
 * Lead ids are UUIDs (the job payloads check it) whose last 32 bits are random in v4 and v7.
 */
export function laneIndex(leadId: string, laneCount: number): number {
  return Number.parseInt(leadId.slice(-8), 16) % laneCount;
}
