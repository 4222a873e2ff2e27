import type { Redis } from 'ioredis';
import { describeRedisTarget, redisTargetOf, type RedisTarget, type RedisTargetEnv } from '@leadrelay/config';
import { isCluster } from '@leadrelay/queue';
import { StartupCheckError, checkConnection, describeError } from './check-dependencies.ts';

/** Thrown at start-up in production when Redis could lose what intake acknowledged. */
export class VolatileRedisError extends StartupCheckError {
  override readonly name = 'VolatileRedisError';
}

/** What decides whether Redis keeps an acknowledged lead: undefined where this Redis would not say. */
export interface RedisDurabilitySettings {
  /** `INFO persistence` aof_enabled: whether every write goes to the append-only file. */
  aofEnabled: boolean | undefined;
  /** `CONFIG GET maxmemory-policy`, or `INFO memory` maxmemory_policy where CONFIG is refused. */
  maxmemoryPolicy: string | undefined;
}

export interface RedisDurabilityCheckInput extends RedisTargetEnv {
  NODE_ENV: string;
  ALLOW_VOLATILE_REDIS: boolean;
}

export interface RedisDurabilityCheckResult {
  settings: RedisDurabilitySettings;
  /** Why this Redis could lose acknowledged leads; empty when it would not. */
  problems: string[];
}

/**
 * Intake acknowledges a lead once its job is in Redis, so an acknowledgement is only as durable
 * as Redis: without AOF a restart loses every job still queued, and an eviction policy other than
 * `noeviction` (BullMQ's production requirement) lets Redis delete jobs when memory runs short.
 * In production such a Redis stops the process (VolatileRedisError) unless ALLOW_VOLATILE_REDIS
 * says the risk is accepted; otherwise it is logged once, as a warning.
 */
export async function checkRedisDurability(
  config: RedisDurabilityCheckInput,
  log: { warn(message: string): void },
  timeoutMs = 3_000,
): Promise<RedisDurabilityCheckResult> {
  const target = redisTargetOf(config);
  const settings = await readRedisDurabilitySettings(target, timeoutMs);
  const problems = redisDurabilityProblems(settings);
  if (problems.length === 0) return { settings, problems };
  const risk = `Redis at ${describeRedisTarget(target)} can lose acknowledged leads: ${problems.join(', ')}`;
  if (config.NODE_ENV === 'production' && !config.ALLOW_VOLATILE_REDIS) {
    throw new VolatileRedisError(
      `${risk}; run it with appendonly yes and maxmemory-policy noeviction, or set ALLOW_VOLATILE_REDIS=true to accept the loss`,
    );
  }
  log.warn(
    config.NODE_ENV === 'production'
      ? `${risk} (started anyway: ALLOW_VOLATILE_REDIS=true)`
      : `${risk} (fine for development; NODE_ENV=production refuses it unless ALLOW_VOLATILE_REDIS=true)`,
  );
  return { settings, problems };
}

export function redisDurabilityProblems({ aofEnabled, maxmemoryPolicy }: RedisDurabilitySettings): string[] {
  const problems: string[] = [];
  if (aofEnabled === undefined) problems.push('whether AOF is on could not be read (INFO persistence)');
  else if (!aofEnabled) problems.push('AOF is off (appendonly no)');
  if (maxmemoryPolicy === undefined) problems.push('maxmemory-policy could not be read (CONFIG GET or INFO memory)');
  else if (maxmemoryPolicy !== 'noeviction') problems.push(`maxmemory-policy is ${maxmemoryPolicy}, not noeviction`);
  return problems;
}

/**
 * The settings of the Redis a target names; of a cluster, its primaries' together (AOF on only
 * if on in each, the first policy other than noeviction if any has one), since a job or claim
 * may live on any of them.
 */
export async function readRedisDurabilitySettings(target: RedisTarget | string, timeoutMs = 3_000): Promise<RedisDurabilitySettings> {
  const resolved: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const redis = checkConnection(resolved, timeoutMs);
  try {
    try {
      await redis.connect();
    } catch (error) {
      throw new StartupCheckError(`Redis's persistence settings could not be read at ${describeRedisTarget(resolved)} (${describeError(error)})`);
    }
    if (!isCluster(redis)) return await readNodeSettings(redis);
    const primaries = await Promise.all(redis.nodes('master').map((node) => readNodeSettings(node)));
    if (primaries.length === 0) return { aofEnabled: undefined, maxmemoryPolicy: undefined };
    return {
      aofEnabled: primaries.some((node) => node.aofEnabled === false) ? false : primaries.every((node) => node.aofEnabled) ? true : undefined,
      maxmemoryPolicy: primaries.find((node) => node.maxmemoryPolicy !== 'noeviction')?.maxmemoryPolicy ?? 'noeviction',
    };
  } finally {
    redis.disconnect();
  }
}

async function readNodeSettings(redis: Redis): Promise<RedisDurabilitySettings> {
  // A setting this Redis will not tell (ACLs, renamed commands) stays undefined: it is reported, not guessed.
  const persistence = await infoFields(redis, 'persistence');
  const aofEnabled = persistence?.aof_enabled === undefined ? undefined : persistence.aof_enabled === '1';
  return { aofEnabled, maxmemoryPolicy: await readMaxmemoryPolicy(redis) };
}

async function readMaxmemoryPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (policy) return policy;
  } catch {
    // Managed Redis services often refuse or rename CONFIG; INFO memory reports the policy too (Redis 7).
  }
  return (await infoFields(redis, 'memory'))?.maxmemory_policy;
}

/** The `name:value` lines of one `INFO` section; undefined when Redis refuses it. */
async function infoFields(redis: Redis, section: string): Promise<Record<string, string> | undefined> {
  let info: string;
  try {
    info = await redis.info(section);
  } catch {
    return undefined;
  }
  const fields: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    const separator = line.indexOf(':');
    if (separator > 0 && !line.startsWith('#')) fields[line.slice(0, separator)] = line.slice(separator + 1).trim();
  }
  return fields;
}
