import { randomBytes } from 'node:crypto';
import { deleteRedisKeys, testRedisUrl } from '../test/support/test-redis.ts';

/** The Redis the bench uses; the same one the tests use. */
export const benchRedisUrl = testRedisUrl;

/** A key prefix of its own for one bench run, so nothing else's queues or claims are touched. */
export function createBenchQueuePrefix(): string {
  return `lrbench-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under the run's prefix (SCAN + UNLINK; never FLUSHALL). */
export function deleteBenchRedisKeys(prefix: string): Promise<void> {
  return deleteRedisKeys(prefix);
}
