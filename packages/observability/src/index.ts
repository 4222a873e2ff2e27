export { createLogger, redactedLogPaths, wantsPrettyLogs } from './logger.ts';
export type { CreateLoggerOptions, Logger } from './logger.ts';
export { personalDataKeys, scrubPersonalData } from './personal-data-scrubber.ts';
export { metricsRegistry, scrapeMetrics } from './metrics/registry.ts';
export type { MetricsScrape } from './metrics/registry.ts';
export { httpMetrics, observeHttpRequest } from './metrics/http-metrics.ts';
export type { HttpRequestSample } from './metrics/http-metrics.ts';
export { observeEnqueue, queueDepthStates, reportQueueDepths } from './metrics/queue-metrics.ts';
export type { QueueDepthSource } from './metrics/queue-metrics.ts';
export { reportRedisMemory } from './metrics/redis-memory-metrics.ts';
export type { RedisMemorySource } from './metrics/redis-memory-metrics.ts';
export {
  persistFailureKinds,
  recordPendingActivitiesExpired,
  recordPendingActivitiesDropped,
  recordPersistBatch,
  recordPersistFailure,
} from './metrics/worker-metrics.ts';
export type { PersistFailureKind } from './metrics/worker-metrics.ts';
export { recordDeliveryAttempt, recordDestinationAutoDisabled } from './metrics/delivery-metrics.ts';
export { recordRefusedLeadChange } from './metrics/lead-change-metrics.ts';
export { recordRetentionSwept, retentionKinds } from './metrics/retention-metrics.ts';
export type { RetentionKind } from './metrics/retention-metrics.ts';
