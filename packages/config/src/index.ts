export { loadEnv } from './load-env.ts';
export { parseDurationMs, parseDurationListMs } from './duration.ts';
export { redactUrlPassword } from './redact-url.ts';
export {
  booleanFromEnv,
  commonEnvShape,
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
