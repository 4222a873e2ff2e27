import { randomBytes } from 'node:crypto';
import { RedisTargetEnvSchema, loadEnv, redisTargetOf, type RedisTarget } from '@leadrelay/config';
import { createRedisConnection, type RedisConnection } from '@leadrelay/queue';
import { deleteRedisKeys, testRedisUrl } from '../test/support/test-redis.ts';

/** The Redis variables the apps read (redisTargetOf), as the bench was given them. */
const redisVariables = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME'] as const;

/**
 * The bench's Redis variables: the bench's own environment's, REDIS_URL defaulting to the tests'
 * Redis (TEST_REDIS_URL, else the machine's). So `REDIS_CLUSTER_NODES=… pnpm bench` runs on a
 * cluster and `REDIS_SENTINELS=… REDIS_SENTINEL_NAME=…` on a Sentinel set, as the apps would.
 */
export const benchRedisEnv: Record<string, string> = Object.fromEntries(
  redisVariables.flatMap((name) => {
    const value = name === 'REDIS_URL' ? (process.env.REDIS_URL ?? testRedisUrl) : process.env[name];
    return value === undefined ? [] : [[name, value]];
  }),
);

/** The Redis the bench uses, read as the apps read theirs; give the apps `benchRedisEnv`. */
export const benchRedisTarget: RedisTarget = redisTargetOf(loadEnv(RedisTargetEnvSchema, benchRedisEnv));

/** A connection of the bench's own to its Redis, ready (on a cluster: with its nodes known) when returned. */
export async function connectBenchRedis(connectionName: string): Promise<RedisConnection> {
  const redis = createRedisConnection(benchRedisTarget, { role: 'worker', connectionName });
  await redis.ping();
  return redis;
}

/** A key prefix of its own for one bench run, so nothing else's queues or claims are touched. */
export function createBenchQueuePrefix(): string {
  return `lrbench-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under the run's prefix (SCAN + UNLINK; never FLUSHALL), on every primary of a cluster. */
export function deleteBenchRedisKeys(prefix: string): Promise<void> {
  return deleteRedisKeys(prefix, benchRedisTarget);
}
