export { loadEnv } from './load-env.ts';
export { parseDurationMs, parseDurationListMs } from './duration.ts';
export { redactUrlPassword } from './redact-url.ts';
export {
  booleanFromEnv,
  commonEnvShape,
  RedisTargetEnvSchema,
  redisTargetEnvShape,
  developmentSecretEncryptionKey,
  secretEncryptionKeysOf,
  durationListMsFromEnv,
  durationMsFromEnv,
  durationOrOffMsFromEnv,
  portFromEnv,
  refineProductionSecrets,
  suppressionHashKeyOf,
  suppressionHashKeyShape,
} from './common-env.ts';
export { describeRedisTarget, redisTargetOf, type RedisNodeAddress, type RedisTarget, type RedisTargetEnv } from './redis-target.ts';
