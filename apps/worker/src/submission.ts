import type { AppendActivitiesPayload, PersistLeadPayload } from '@leadrelay/queue';

/** One validated leads-queue job, as a batch takes it. */
export type Submission = PersistLeadSubmission | AppendActivitiesSubmission;

export interface PersistLeadSubmission {
  kind: 'persist-lead';
  payload: PersistLeadPayload;
  /**
   * A duplicate whose lead is still not stored after several tries (its claim outlived a lost
   * job) creates the lead itself, under the id intake answered with.
   */
  createMissingDuplicate: boolean;
}

export interface AppendActivitiesSubmission {
  kind: 'append-activities';
  payload: AppendActivitiesPayload;
}

/**
 * - `stored`: committed (or found committed by an earlier run of the same job).
 * - `deferred`: a duplicate whose lead is not stored yet; the job is retried later.
 * - `rejected`: can never be stored (e.g. its partner does not exist); the job fails for good.
 * - `dropped`: activities for a lead not stored, whose partner has as many pending as it may
 *   (WORKER_PENDING_ACTIVITIES_MAX_PER_PARTNER): nothing is written, and the job completes (the
 *   partner was answered long ago; retrying would not make room); or activities for a lead their
 *   partner may not change (another partner's, see LeadBatchPlan's #mayChange); or a submission
 *   of an erased or suppressed person (`personRemoved`: its job keeps nothing of it either).
 */
export type SubmissionOutcome =
  | {
      status: 'stored';
      leadId: string;
      result: 'created' | 'merged' | 'updated' | 'pending' | 'already_processed';
      /** Events this submission recorded; the outbox relay enqueues them. */
      eventIds: string[];
    }
  | { status: 'deferred'; reason: string }
  | { status: 'rejected'; reason: string }
  | { status: 'dropped'; leadId: string; reason: string; personRemoved?: boolean };
