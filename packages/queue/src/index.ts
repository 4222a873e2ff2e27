export { createRedisConnection, isCluster } from './redis-connection.ts';
export type { RedisConnection, RedisConnectionOptions, RedisConnectionRole } from './redis-connection.ts';
export { bullmqPrefixOf, clusterSlotCount, execPipelined, groupBySlot, slotOfKey, slotTagOf } from './cluster-slots.ts';
export {
  AppendActivitiesPayload,
  DeliverPayload,
  FanOutEventPayload,
  FanOutEventsPayload,
  PersistLeadPayload,
  PersistLeadsPayload,
  cappedExponentialBackoffMs,
  completedJobRetentionMs,
  jobCatalog,
  deliveryJobAttemptCeiling,
  deliveryBackoffType,
  jobIdFor,
  jobIdKinds,
  maxEventsPerJob,
  maxSubmissionsPerJob,
  queueNames,
} from './job-catalog.ts';
export type { JobDefinition, JobIdKind, JobKey, JobPayload, QueueName } from './job-catalog.ts';
export { QueueRegistry } from './queue-registry.ts';
export type { QueueRegistryOptions } from './queue-registry.ts';
export { parseJobPayload } from './parse-job-payload.ts';
