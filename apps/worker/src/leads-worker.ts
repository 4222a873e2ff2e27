import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@leadrelay/observability';
import {
  AppendActivitiesPayload,
  PersistLeadPayload,
  cappedExponentialBackoffMs,
  jobCatalog,
  parseJobPayload,
  queueNames,
} from '@leadrelay/queue';
import type { Batcher } from './batcher.ts';
import { LeadNotStoredYetError } from './lead-not-stored-yet-error.ts';
import type { Submission, SubmissionOutcome } from './submission.ts';

export interface LeadsWorkerOptions {
  connection: Redis;
  prefix: string;
  /** Jobs held at once; they wait in the batcher until their batch is written. */
  concurrency: number;
  batcher: Batcher<Submission, SubmissionOutcome>;
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

  const process = async (job: Job) => {
    const outcome = await batcher.add(toSubmission(job, missingLeadRetries));
    if (outcome.status === 'deferred') throw new LeadNotStoredYetError(outcome.reason);
    if (outcome.status === 'rejected') throw new UnrecoverableError(outcome.reason);
    return { leadId: outcome.leadId, outcome: outcome.result };
  };

  const worker = new Worker(queueNames.leads, process, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount,
    autorun: false,
    settings: {
      backoffStrategy: (attemptsMade: number) => cappedExponentialBackoffMs(attemptsMade),
    },
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
