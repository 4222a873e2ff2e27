import { redisTargetOf } from '@leadrelay/config';
import type { FastifyBaseLogger } from 'fastify';
import {
  httpMetrics,
  observeEnqueue,
  recordPendingActivitiesDropped,
  recordPendingActivitiesExpired,
  recordPersistBatch,
  recordPersistFailure,
  recordRetentionSwept,
  type Logger,
} from '@leadrelay/observability';
import { startHealthServer } from '@leadrelay/http-kit';
import { createStandardReadiness } from '@leadrelay/lifecycle';
import { SessionAdvisoryLock, createDatabaseClient } from '@leadrelay/db';
import { QueueRegistry, completedJobRetentionMs, createRedisConnection, queueNames, type PersistLeadsPayload } from '@leadrelay/queue';
import { IdentityClaimLayout } from '@leadrelay/lead';
import type { RunningService } from '@leadrelay/lifecycle';
import type { WorkerEnv } from './env.ts';
import { TimedBatcher } from './timed-batcher.ts';
import { IdentityClaimKeeper } from './identity-claim-keeper.ts';
import { LeadPersister } from './lead-persister.ts';
import { OutboxRelay } from './outbox-relay.ts';
import { PendingActivitiesSweeper } from './pending-activities-sweeper.ts';
import { PersistPipeline } from './persist-pipeline.ts';
import { RetentionSweeper } from './retention-sweeper.ts';
import { ErasureNotFinishedError } from './erasure-not-finished-error.ts';
import { ErasureRunner } from './erasure-runner.ts';
import { SuppressionListKeeper } from './suppression-list-keeper.ts';
import { createLeadsWorker, type LeadJobResult } from './leads-worker.ts';
import { WriteLanes } from './write-lanes.ts';
import type { Submission, SubmissionOutcome } from './submission.ts';

/**
 * Starts the leads worker, the outbox sweeper, the pending-activities expiry, the retention sweep,
 * the erasure runner and the identity-claims check; `stop` lets
 * in-flight jobs finish (their batches are flushed at once), then closes Redis and PostgreSQL.
 */
export async function startWorkerService(config: WorkerEnv, logger: Logger): Promise<RunningService> {
  const db = createDatabaseClient({
    databaseUrl: config.DATABASE_URL,
    // One connection per write lane; the others are for the relay, the sweeps and the claims.
    poolSize: config.WORKER_WRITE_LANES + 4,
    applicationName: 'leadrelay-worker',
  });
  const workerConnection = createRedisConnection(redisTargetOf(config), { role: 'worker', connectionName: 'worker' });
  const producerConnection = createRedisConnection(redisTargetOf(config), { role: 'worker', connectionName: 'worker-producer' });
  const queues = new QueueRegistry({ connection: producerConnection, prefix: config.QUEUE_PREFIX, onEnqueued: observeEnqueue });
  const relay = new OutboxRelay({ db, queues });
  const identityClaims = new IdentityClaimKeeper({
    redis: producerConnection,
    db,
    keyPrefix: config.QUEUE_PREFIX,
    layout: new IdentityClaimLayout(config.QUEUE_PREFIX, config.IDENTITY_BUCKET_BITS),
  });
  // Erasure releases claims even where the worker does not restore or repair them.
  const claims = config.IDENTITY_CLAIMS_RESTORE ? identityClaims : undefined;
  const persister = new LeadPersister({
    db,
    maxPendingPerPartner: config.WORKER_PENDING_ACTIVITIES_MAX_PER_PARTNER,
    suppressionHashKey: config.SUPPRESSION_HASH_KEY,
  });
  const pendingSweeper = new PendingActivitiesSweeper({ db, ttlMs: config.WORKER_PENDING_ACTIVITIES_TTL, onExpired: recordPendingActivitiesExpired });
  // Its own connection (not the pool's) holds the lock while this instance sweeps.
  const retentionLock = new SessionAdvisoryLock({
    databaseUrl: config.DATABASE_URL,
    name: `${config.QUEUE_PREFIX}:retention-sweep`,
    applicationName: 'leadrelay-worker-retention',
  });
  const retentionSweeper = new RetentionSweeper({
    db,
    lock: retentionLock,
    queues: queues.all(),
    rawSubmissionsMs: config.RETENTION_RAW_SUBMISSIONS,
    deliveryContentMs: config.RETENTION_DELIVERY_CONTENT,
    failedJobsMs: config.RETENTION_FAILED_JOBS,
    leadsMs: config.RETENTION_LEADS,
    completedJobsMs: completedJobRetentionMs,
    batchSize: config.RETENTION_BATCH_SIZE,
    onSwept: recordRetentionSwept,
  });
  const erasureLock = new SessionAdvisoryLock({
    databaseUrl: config.DATABASE_URL,
    name: `${config.QUEUE_PREFIX}:erasures`,
    applicationName: 'leadrelay-worker-erasures',
  });
  const suppressions = new SuppressionListKeeper({ redis: producerConnection, db, keyPrefix: config.QUEUE_PREFIX });
  const erasureRunner = new ErasureRunner({
    db,
    lock: erasureLock,
    suppressions,
    suppressionHashKey: config.SUPPRESSION_HASH_KEY,
    claims: identityClaims,
    leadsQueue: queues.queue(queueNames.leads),
    // Ids and counts only: what was removed is personal data.
    onCompleted: (erasureId, counts) => logger.info({ erasureId, counts }, 'erasure completed'),
  });
  const lanes = new WriteLanes(
    Array.from({ length: config.WORKER_WRITE_LANES }, () => {
      const pipeline = new PersistPipeline({
        persister,
        relay,
        claims,
        logger,
        onBatchPersisted: recordPersistBatch,
        onPersistFailed: recordPersistFailure,
        onPendingDropped: recordPendingActivitiesDropped,
      });
      return new TimedBatcher<Submission, SubmissionOutcome>({
        maxBatchSize: config.WORKER_BATCH_MAX_SIZE,
        maxWaitMs: config.WORKER_BATCH_MAX_WAIT,
        // One batch of a lane is written at a time (its slot is released when its transaction
        // ends); the next one collects what arrives meanwhile, so batches grow with the load.
        maxConcurrentFlushes: 1,
        flush: (submissions, releaseSlot) => pipeline.flush(submissions, releaseSlot),
      });
    }),
  );
  const maxSubmissionsInFlight = config.WORKER_MAX_SUBMISSIONS_IN_FLIGHT ?? 3 * config.WORKER_BATCH_MAX_SIZE * config.WORKER_WRITE_LANES;
  const worker = createLeadsWorker({
    connection: workerConnection,
    prefix: queues.bullmqPrefix,
    concurrency: config.WORKER_CONCURRENCY,
    maxSubmissionsInFlight,
    batcher: lanes,
    logger,
    missingLeadRetries: config.WORKER_MISSING_LEAD_RETRIES,
    lockDurationMs: config.WORKER_JOB_LOCK_DURATION,
    stalledIntervalMs: config.WORKER_STALLED_INTERVAL,
    maxStalledCount: config.WORKER_MAX_STALLED_COUNT,
  });
  // The intake request id, so a lead's log lines can be followed from intake to its deliveries.
  worker.on('completed', (job, result: LeadJobResult | undefined) => {
    if (!logger.isLevelEnabled('debug') || !result) return;
    if ('leads' in result) {
      const submissions = (job.data as PersistLeadsPayload).submissions;
      result.leads.forEach(({ leadId, outcome }, index) => {
        logger.debug({ requestId: submissions[index]?.requestId, jobId: job.id, leadId, outcome }, 'lead stored');
      });
    } else {
      logger.debug({ requestId: job.data?.requestId, jobId: job.id, leadId: result.leadId, outcome: result.outcome }, 'lead job completed');
    }
  });

  const sweep = singleFlight(async () => {
    try {
      const found = await relay.sweep();
      if (found > 0) logger.info({ found }, 'outbox: enqueued events left behind');
    } catch (error) {
      logger.warn({ err: error }, 'outbox sweep failed; retrying on the next interval');
    }
  });
  const expirePending = singleFlight(async () => {
    try {
      const expired = await pendingSweeper.sweep();
      if (expired > 0) logger.info({ expired }, 'pending activities expired: their leads were never stored');
    } catch (error) {
      logger.warn({ err: error }, 'pending activities sweep failed; retrying on the next interval');
    }
  });
  const sweepRetention = singleFlight(async () => {
    try {
      const result = await retentionSweeper.sweep();
      // Counts only: what was removed is personal data.
      if (!result.skipped && Object.values(result.swept).some((count) => count > 0)) logger.info({ swept: result.swept }, 'retention: removed data past its retention');
    } catch (error) {
      logger.warn({ err: error }, 'retention sweep failed; retrying on the next interval');
    }
  });
  const runErasures = singleFlight(async () => {
    try {
      await erasureRunner.runPending();
    } catch (error) {
      if (error instanceof ErasureNotFinishedError) logger.info({ reason: error.message }, 'erasure not finished; going on at the next round');
      else logger.warn({ err: error }, 'erasure failed; going on at the next round');
    }
  });
  const checkClaims = singleFlight(async () => {
    try {
      const reloaded = await suppressions.restoreIfLost();
      if (reloaded !== undefined) logger.info({ reloaded }, "suppression list reloaded into intake's Redis copy");
    } catch (error) {
      logger.warn({ err: error }, 'the suppression list could not be reloaded into Redis; retrying on the next check');
    }
    if (!claims) return;
    try {
      const restored = await claims.restoreIfLost();
      if (restored !== undefined) logger.info({ restored }, 'identity claims restored from the stored leads');
    } catch (error) {
      logger.warn({ err: error }, 'identity claims could not be restored; retrying on the next check');
    }
  });

  await sweep();
  const sweeper = setInterval(sweep, config.OUTBOX_SWEEP_INTERVAL);
  // Not awaited: a backlog (the first start after an upgrade) is deleted in many small steps.
  void expirePending();
  const pendingExpirer = setInterval(expirePending, config.WORKER_PENDING_ACTIVITIES_SWEEP_INTERVAL);
  // Not awaited, like the pending expiry: the first sweep after an upgrade may have a backlog.
  void sweepRetention();
  const retentionSweepTimer = setInterval(sweepRetention, config.RETENTION_SWEEP_INTERVAL);
  void runErasures();
  const erasureTimer = setInterval(runErasures, config.ERASURE_POLL_INTERVAL);
  void checkClaims();
  const claimsChecker = setInterval(checkClaims, config.IDENTITY_CLAIMS_CHECK_INTERVAL);
  worker.run().catch((error: unknown) => logger.error({ err: error }, 'leads worker stopped'));
  await worker.waitUntilReady();
  logger.info(
    { concurrency: config.WORKER_CONCURRENCY, maxSubmissionsInFlight, batchMaxSize: config.WORKER_BATCH_MAX_SIZE, writeLanes: config.WORKER_WRITE_LANES },
    'worker consuming the leads queue',
  );

  const healthServer = await startHealthServer({
    logger: logger as FastifyBaseLogger,
    port: config.WORKER_HEALTH_PORT,
    metrics: httpMetrics,
    readiness: createStandardReadiness({ redis: producerConnection, db, queues: [queues.queue(queueNames.leads)] }),
  });

  const stopOnce = async () => {
    await healthServer.close();
    clearInterval(sweeper);
    clearInterval(pendingExpirer);
    clearInterval(claimsChecker);
    clearInterval(retentionSweepTimer);
    clearInterval(erasureTimer);
    pendingSweeper.close();
    retentionSweeper.close();
    erasureRunner.close();
    // Takes no new jobs and waits for the active ones: their batches are flushed at once.
    const closing = worker.close();
    await lanes.close();
    await closing;
    await Promise.all([sweep(), expirePending(), sweepRetention(), runErasures(), checkClaims()].map((running) => running.catch(() => undefined)));
    await retentionLock.close();
    await erasureLock.close();
    await queues.close();
    workerConnection.disconnect();
    producerConnection.disconnect();
    await db.$disconnect();
  };
  let stopped: Promise<void> | undefined;
  // A second stop (a signal during shutdown, a test cleaning up) waits for the first.
  return { stop: () => (stopped ??= stopOnce()) };
}

/** Runs `task` unless it is still running from the last call; then returns that run. */
function singleFlight(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= task().finally(() => {
      running = undefined;
    });
    return running;
  };
}
