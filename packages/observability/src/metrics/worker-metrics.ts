import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './registry.ts';

const persistBatchSize = new Histogram({
  name: 'leadrelay_worker_persist_batch_size',
  help: 'Submissions persisted together by the worker in one batch',
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  registers: [metricsRegistry],
});

const persistDurationSeconds = new Histogram({
  name: 'leadrelay_worker_persist_duration_seconds',
  help: 'Time the worker took to persist one batch of submissions in PostgreSQL',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Records one persisted batch: how many submissions it held and how long persisting took. */
export function recordPersistBatch(size: number, durationMs: number): void {
  persistBatchSize.observe(size);
  persistDurationSeconds.observe(durationMs / 1000);
}

const pendingActivitiesExpiredTotal = new Counter({
  name: 'leadrelay_worker_pending_activities_expired_total',
  help: 'Pending activities (submissions for a lead not stored) deleted because their lead did not arrive within WORKER_PENDING_ACTIVITIES_TTL',
  registers: [metricsRegistry],
});

const pendingActivitiesDroppedTotal = new Counter({
  name: 'leadrelay_worker_pending_activities_dropped_total',
  help: 'Activity submissions for a lead not stored that were dropped: their partner had WORKER_PENDING_ACTIVITIES_MAX_PER_PARTNER pending already',
  registers: [metricsRegistry],
});

/** Counts pending activity submissions that expired. */
export function recordPendingActivitiesExpired(count: number): void {
  pendingActivitiesExpiredTotal.inc(count);
}

/** Counts activity submissions dropped because their partner had too many pending. */
export function recordPendingActivitiesDropped(count: number): void {
  pendingActivitiesDroppedTotal.inc(count);
}

/** How a failed persist transaction is classified (`@leadrelay/db`'s DatabaseErrorKind). */
export const persistFailureKinds = ['conflict', 'unavailable', 'data', 'unknown'] as const;
export type PersistFailureKind = (typeof persistFailureKinds)[number];

const persistFailuresTotal = new Counter({
  name: 'leadrelay_worker_persist_failures_total',
  help: 'Persist transactions of the worker that failed, by kind (conflict, unavailable, data, unknown)',
  labelNames: ['kind'],
  registers: [metricsRegistry],
});
// Every kind at 0 from the start: rate() and increase() need a first sample before the first failure.
for (const kind of persistFailureKinds) persistFailuresTotal.inc({ kind }, 0);

/** Counts one failed persist transaction (a batch, or one submission written alone). */
export function recordPersistFailure(kind: PersistFailureKind): void {
  persistFailuresTotal.inc({ kind });
}
