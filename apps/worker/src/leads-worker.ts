import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import type { RedisConnection } from '@leadrelay/queue';
import type { Logger } from '@leadrelay/observability';
import {
  AppendActivitiesPayload,
  PersistLeadPayload,
  cappedExponentialBackoffMs,
  jobCatalog,
  maxSubmissionsPerJob,
  parseJobPayload,
  queueNames,
} from '@leadrelay/queue';
import { LeadNotStoredYetError } from './lead-not-stored-yet-error.ts';
import { SubmissionBudget } from './submission-budget.ts';
import type { Submission, SubmissionOutcome } from './submission.ts';

export interface SubmissionBatcher {
  add(submission: Submission): Promise<SubmissionOutcome>;
}

export interface LeadsWorkerOptions {
  connection: RedisConnection;
  prefix: string;
  /** Jobs held at once at most; they wait in the batcher until their batch is written. */
  concurrency: number;
  /** Submissions held at once, about: fewer jobs are taken when jobs carry many (see SubmissionBudget). */
  maxSubmissionsInFlight: number;
  /** Where submissions wait for their batch (the write lanes); resolves once the batch is written. */
  batcher: SubmissionBatcher;
  logger: Logger;
  /** Retries a duplicate waits for its lead before creating it itself. */
  missingLeadRetries: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/**
 * Consumes the leads queue. Each job is validated on its own (a bad payload fails at once, with
 * its reason, without retries), then waits for its batch: it completes once its rows and events
 * are committed and its events are in Redis, and fails (to be retried with backoff) when the
 * batch could not be written.
 */
export function createLeadsWorker(options: LeadsWorkerOptions): Worker {
  const { batcher, logger, missingLeadRetries } = options;
  const budget = new SubmissionBudget({ maxSubmissions: options.maxSubmissionsInFlight, maxJobs: options.concurrency, largestJob: maxSubmissionsPerJob });

  const process = async (job: Job): Promise<LeadJobResult> => {
    const concurrency = budget.recordJob(submissionCount(job));
    if (worker.concurrency !== concurrency) worker.concurrency = concurrency;
    if (job.name === jobCatalog.persistLeads.name) return processSubmissions(job, batcher, missingLeadRetries);
    const outcome = await batcher.add(toSubmission(job, missingLeadRetries));
    if (outcome.status === 'deferred') throw new LeadNotStoredYetError(outcome.reason);
    if (outcome.status === 'rejected') throw new UnrecoverableError(outcome.reason);
    if (outcome.status === 'dropped') {
      // An erased or suppressed person: the completed job keeps nothing of them.
      if (outcome.personRemoved) await job.updateData({});
      return { leadId: outcome.leadId, outcome: 'dropped' };
    }
    return { leadId: outcome.leadId, outcome: outcome.result };
  };

  const worker = new Worker(queueNames.leads, process, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: budget.jobConcurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount,
    autorun: false,
    settings: {
      backoffStrategy: (attemptsMade: number) => cappedExponentialBackoffMs(attemptsMade),
    },
  });
  worker.on('drained', () => {
    worker.concurrency = budget.reset();
  });
  worker.on('failed', (job, error) => {
    // Retried failures (a database outage fails whole batches) are logged once per batch by the pipeline.
    const final = error instanceof UnrecoverableError || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
    const entry = { jobId: job?.id, jobName: job?.name, attemptsMade: job?.attemptsMade, err: error.message };
    if (final) logger.warn(entry, 'lead job failed for good');
    else logger.debug(entry, 'lead job failed; retried later');
  });
  worker.on('error', (error) => logger.warn({ err: error.message }, 'leads worker error'));
  return worker;
}

/** What a completed job returns: its lead, or the leads of its submissions in order. */
export type LeadJobResult =
  | { leadId: string; outcome: StoredOutcome | 'dropped' }
  | { leads: { leadId: string; outcome: StoredOutcome | 'dropped' }[] };
type StoredOutcome = Extract<SubmissionOutcome, { status: 'stored' }>['result'];

/** Submissions a job carries, before it is validated: a persist-leads job's list, else one. */
function submissionCount(job: Job): number {
  const submissions: unknown = job.name === jobCatalog.persistLeads.name ? (job.data as { submissions?: unknown } | undefined)?.submissions : undefined;
  return Array.isArray(submissions) ? submissions.length : 1;
}

const PersistLeadsEnvelope = z.object({ submissions: z.array(z.unknown()).min(1).max(maxSubmissionsPerJob) });

/**
 * A persist-leads job: each submission is validated on its own and goes to the batcher like a
 * job of its own, so one bad submission never keeps the others from being stored. The job
 * completes once every submission is stored. If one waits for its lead, the job is retried (the
 * stored ones are found stored again: rows are keyed by submission id); otherwise, if some can
 * never be stored, it fails for good naming them, after the others were stored.
 */
async function processSubmissions(job: Job, batcher: SubmissionBatcher, missingLeadRetries: number): Promise<LeadJobResult> {
  const { submissions } = parseJobPayload(PersistLeadsEnvelope, job);
  const createMissingDuplicate = job.attemptsMade >= missingLeadRetries;
  const refusals: string[] = [];
  const settled = await Promise.allSettled(
    submissions.map(async (data, index) => {
      const parsed = PersistLeadPayload.safeParse(data);
      if (!parsed.success) {
        const reasons = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'submission'}: ${issue.message}`);
        refusals.push(`submission ${index}: invalid payload: ${reasons.join('; ')}`);
        return undefined;
      }
      const outcome = await batcher.add({ kind: 'persist-lead', payload: parsed.data, createMissingDuplicate });
      if (outcome.status === 'rejected') refusals.push(`submission ${index} (${parsed.data.submissionId}): ${outcome.reason}`);
      return outcome;
    }),
  );
  // A batch that could not be written (e.g. PostgreSQL down): retried with backoff.
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  const outcomes = settled.map((result) => (result as PromiseFulfilledResult<SubmissionOutcome | undefined>).value);
  // An erased or suppressed person's submissions leave the job: completed or retried, it keeps nothing of them.
  const removed = new Set(outcomes.flatMap((outcome, index) => (outcome?.status === 'dropped' && outcome.personRemoved ? [index] : [])));
  if (removed.size > 0) await job.updateData({ ...(job.data as object), submissions: submissions.filter((_, index) => !removed.has(index)) });
  const deferred = outcomes.filter((outcome) => outcome?.status === 'deferred').length;
  if (deferred > 0) throw new LeadNotStoredYetError(`${deferred} of ${submissions.length} submissions are duplicates of leads not stored yet`);
  if (refusals.length > 0) {
    throw new UnrecoverableError(`${refusals.length} of ${submissions.length} submissions can never be stored (the others are): ${refusals.join(' | ')}`);
  }
  return {
    leads: outcomes.map((outcome) => {
      const settled = outcome as Extract<SubmissionOutcome, { status: 'stored' | 'dropped' }>;
      return { leadId: settled.leadId, outcome: settled.status === 'stored' ? settled.result : 'dropped' };
    }),
  };
}

/** The job as a batch takes it; a job that can never succeed throws UnrecoverableError. */
function toSubmission(job: Job, missingLeadRetries: number): Submission {
  if (job.name === jobCatalog.persistLead.name) {
    return {
      kind: 'persist-lead',
      payload: parseJobPayload(PersistLeadPayload, job),
      createMissingDuplicate: job.attemptsMade >= missingLeadRetries,
    };
  }
  if (job.name === jobCatalog.appendActivities.name) {
    return { kind: 'append-activities', payload: parseJobPayload(AppendActivitiesPayload, job) };
  }
  throw new UnrecoverableError(`unknown job name "${job.name}"`);
}
