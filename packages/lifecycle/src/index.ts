export { DependencyUnavailableError, StartupCheckError, checkPostgresReachable, checkRedisReachable } from './check-dependencies.ts';
export { VolatileRedisError, checkRedisDurability, readRedisDurabilitySettings, redisDurabilityProblems } from './check-redis-durability.ts';
export type { RedisDurabilityCheckInput, RedisDurabilityCheckResult, RedisDurabilitySettings } from './check-redis-durability.ts';
export { runService } from './run-service.ts';
export type { RunServiceOptions, RunningService } from './run-service.ts';
export { Readiness } from './readiness.ts';
export type { CheckResult, ReadinessCheck } from './readiness.ts';
export { createStandardReadiness } from './standard-readiness.ts';
export type { StandardReadinessInput } from './standard-readiness.ts';
