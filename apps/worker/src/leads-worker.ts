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
import type { LeadPersister } from './lead-persister.ts';
import type { OutboxRelay } from './outbox-relay.ts';

export interface LeadsWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  persister: LeadPersister;
  relay: OutboxRelay;
  logger: Logger;
  /** Retries a duplicate waits for its lead before creating it itself. */
  missingLeadRetries?: number;
}

/** Consumes the leads queue: every accepted lead and activity is persisted, then its events relayed. */
export function createLeadsWorker(options: LeadsWorkerOptions): Worker {
  const { persister, relay, logger, missingLeadRetries = 5 } = options;

  const process = async (job: Job) => {
    if (job.name === jobCatalog.persistLead.name) {
      const payload = parseJobPayload(PersistLeadPayload, job);
      const result = await persister.persistLead(payload, {
        createMissingDuplicate: job.attemptsMade >= missingLeadRetries,
      });
      await relay.enqueue(result.eventIds);
      logger.debug({ requestId: payload.requestId, leadId: result.leadId, outcome: result.outcome }, 'lead persisted');
      return { leadId: result.leadId, outcome: result.outcome };
    }
    if (job.name === jobCatalog.appendActivities.name) {
      const payload = parseJobPayload(AppendActivitiesPayload, job);
      const result = await persister.appendActivities(payload);
      await relay.enqueue(result.eventIds);
      return { leadId: result.leadId, outcome: result.outcome };
    }
    throw new UnrecoverableError(`unknown job name "${job.name}"`);
  };

  const worker = new Worker(queueNames.leads, process, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    autorun: false,
    settings: {
      backoffStrategy: (attemptsMade: number) => cappedExponentialBackoffMs(attemptsMade),
    },
  });
  worker.on('failed', (job, error) => {
    logger.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: error.message }, 'lead job failed');
  });
  return worker;
}
