import { z } from 'zod';
import {
  booleanFromEnv,
  commonEnvShape,
  durationMsFromEnv,
  durationOrOffMsFromEnv,
  loadEnv,
  portFromEnv,
  refineProductionSecrets,
  suppressionHashKeyOf,
  suppressionHashKeyShape,
} from '@leadrelay/config';

export const WorkerEnvSchema = z
  .object({
  ...commonEnvShape,
  ...suppressionHashKeyShape,
  /**
   * Jobs one worker process holds at once, at most. Most of them only wait for their batch: one
   * batch is written while the previous one is published and the next one collects, so keep it at
   * least three times WORKER_BATCH_MAX_SIZE. Jobs carrying many submissions are held fewer at a
   * time (WORKER_MAX_SUBMISSIONS_IN_FLIGHT).
   */
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(2_000),
  /**
   * Submissions one worker process holds at once, about: it takes fewer jobs when they carry many.
   * Defaults to three batches per write lane (one written, one published, one collecting).
   */
  WORKER_MAX_SUBMISSIONS_IN_FLIGHT: z.coerce.number().int().positive().optional(),
  /**
   * Batches written at once, each in a lane of its own; a lead's submissions always share a lane,
   * so they are written in order. Two keep PostgreSQL busy while the worker plans the next batch.
   */
  WORKER_WRITE_LANES: z.coerce.number().int().positive().max(16).default(2),
  /** A batch is written once it holds this many submissions... */
  WORKER_BATCH_MAX_SIZE: z.coerce.number().int().positive().max(5_000).default(500),
  /** ...or once its first submission has waited this long, whichever comes first. */
  WORKER_BATCH_MAX_WAIT: durationMsFromEnv.default(5),
  /** How often committed events that never reached Redis are looked for and enqueued. */
  OUTBOX_SWEEP_INTERVAL: durationMsFromEnv.default(5_000),
  /**
   * How long activities for a lead not stored yet wait for it (in pending_submissions) before
   * they are deleted: a lead on its way arrives within seconds; an id that never becomes a lead
   * must not keep its activities forever.
   */
  WORKER_PENDING_ACTIVITIES_TTL: durationMsFromEnv.default(86_400_000),
  /** How often pending activities past WORKER_PENDING_ACTIVITIES_TTL are looked for and deleted. */
  WORKER_PENDING_ACTIVITIES_SWEEP_INTERVAL: durationMsFromEnv.default(60_000),
  /**
   * Activity submissions waiting for a lead not stored that one partner may have, about; past it
   * the partner's new ones are dropped (counted and logged), so made-up lead ids cannot fill the
   * database.
   */
  WORKER_PENDING_ACTIVITIES_MAX_PER_PARTNER: z.coerce.number().int().positive().default(10_000),
  /** Retries a duplicate waits for its lead to be stored before creating it itself. */
  WORKER_MISSING_LEAD_RETRIES: z.coerce.number().int().min(0).default(5),
  /**
   * How long a job stays ours without its lock being renewed; a killed worker's jobs go back to
   * the queue after about this long.
   */
  WORKER_JOB_LOCK_DURATION: durationMsFromEnv.default(30_000),
  /** How often jobs of crashed workers are looked for. */
  WORKER_STALLED_INTERVAL: durationMsFromEnv.default(30_000),
  /**
   * Times a job may be taken back from a crashed worker before it fails. Processing is
   * idempotent, so this is high: crashes must not lose leads.
   */
  WORKER_MAX_STALLED_COUNT: z.coerce.number().int().min(0).default(100),
  /** SIGTERM: after this the process exits even if in-flight jobs are not finished (they are retried). */
  WORKER_SHUTDOWN_TIMEOUT: durationMsFromEnv.default(15_000),
  /**
   * Whether the worker puts back intake's identity claims in Redis from the stored leads when
   * Redis has lost them (a restart without persistence), so duplicates are recognized again.
   */
  IDENTITY_CLAIMS_RESTORE: booleanFromEnv.default(true),
  /** How often the worker checks that Redis still holds the identity claims. */
  IDENTITY_CLAIMS_CHECK_INTERVAL: durationMsFromEnv.default(10_000),
  /**
   * Raw submissions (each item exactly as a partner sent it) keep their payload this long after
   * they were received; then the retention sweep removes it and keeps a stub with its SHA-256.
   * `off` keeps them for good.
   */
  RETENTION_RAW_SUBMISSIONS: durationOrOffMsFromEnv.default(90 * 86_400_000),
  /**
   * Event documents (the body each delivery sends) and the first 1 KiB of receivers' answers are
   * kept this long; then the sweep removes them and keeps the delivery's and attempts' metadata.
   * An event's document stays while one of its deliveries is still to be sent (pending or
   * paused). `off` keeps them for good.
   */
  RETENTION_DELIVERY_CONTENT: durationOrOffMsFromEnv.default(30 * 86_400_000),
  /**
   * Failed jobs in Redis (what an operator retries from the Bull dashboard) are removed this long
   * after they failed. They carry the submissions of a lead job, so not for good; `off` keeps them.
   */
  RETENTION_FAILED_JOBS: durationOrOffMsFromEnv.default(14 * 86_400_000),
  /**
   * A lead untouched (not created, updated or given an activity) this long is erased everywhere, as
   * an erasure removes it, but the person is not suppressed: they may come back. Off by default.
   */
  RETENTION_LEADS: durationOrOffMsFromEnv.default(null),
  /** How often the retention sweep runs (and once at start). */
  RETENTION_SWEEP_INTERVAL: durationMsFromEnv.default(600_000),
  /** Rows (or Redis jobs) the sweep changes per statement: each statement is a short transaction. */
  RETENTION_BATCH_SIZE: z.coerce.number().int().positive().max(10_000).default(1_000),
  /** How often the worker looks for erasures to carry out (POST /v1/erasures records them). */
  ERASURE_POLL_INTERVAL: durationMsFromEnv.default(1_000),
  /** Port of the worker's own /healthz, /readyz and /metrics (0 picks a free one). */
  WORKER_HEALTH_PORT: portFromEnv.default(3002),
})
  .superRefine((env, ctx) => refineProductionSecrets(env, ctx, ['SUPPRESSION_HASH_KEY']))
  .transform((env) => ({ ...env, SUPPRESSION_HASH_KEY: suppressionHashKeyOf(env) }));

export type WorkerEnv = z.output<typeof WorkerEnvSchema>;

export function loadWorkerEnv(): WorkerEnv {
  return loadEnv(WorkerEnvSchema);
}
