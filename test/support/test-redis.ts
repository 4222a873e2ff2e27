import { randomBytes } from 'node:crypto';
import type { RedisTarget } from '@leadrelay/config';
import { createRedisConnection, isCluster } from '@leadrelay/queue';

export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for one test file, so files never see each other's queues or claims. */
export function createQueuePrefix(): string {
  return `lrtest-${randomBytes(5).toString('hex')}`;
}

/**
 * Deletes every key under a prefix (SCAN + UNLINK; never FLUSHALL), on the tests' Redis or on
 * `target`. On a cluster: on every primary, BullMQ's hash-tagged `{prefix}:` keys too, one key a
 * command (a primary's keys span many slots).
 */
export async function deleteRedisKeys(prefix: string, target: RedisTarget | string = testRedisUrl): Promise<void> {
  const redis = createRedisConnection(target, { role: 'worker', connectionName: 'leadrelay-key-cleanup' });
  try {
    await redis.ping();
    const clustered = isCluster(redis);
    const patterns = clustered ? [`${prefix}:*`, `{${prefix}}:*`] : [`${prefix}:*`];
    for (const node of clustered ? redis.nodes('master') : [redis]) {
      for (const pattern of patterns) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          if (keys.length === 0) continue;
          if (!clustered) await node.unlink(...keys);
          else {
            const pipeline = node.pipeline();
            for (const key of keys) pipeline.unlink(key);
            await pipeline.exec();
          }
        } while (cursor !== '0');
      }
    }
  } finally {
    redis.disconnect();
  }
}
