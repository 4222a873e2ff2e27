import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../../../test/support/test-redis.ts';
import { returnAbandonedJobs } from './abandoned-jobs.ts';

describe('returnAbandonedJobs', () => {
  const prefix = createQueuePrefix();
  const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('abandoned', { connection: redis, prefix });
  const closedWorker = new Worker('abandoned', null, { connection: redis, prefix, autorun: false });
  const liveWorker = new Worker('abandoned', null, { connection: redis, prefix, autorun: false });

  afterAll(async () => {
    await Promise.all([closedWorker.close(), liveWorker.close(), queue.close()]);
    redis.disconnect();
    await deleteRedisKeys(prefix);
  });

  it("moves back to wait the jobs locked with the closed worker's tokens, and only those", async () => {
    await queue.addBulk([1, 2, 3].map((n) => ({ name: 'job', data: { n }, opts: { jobId: `job-${n}` } })));
    // Taken and never finished: as a fetch under way while closing leaves them.
    const abandoned = [await closedWorker.getNextJob(`${closedWorker.id}:1`), await closedWorker.getNextJob(`${closedWorker.id}:2`)];
    const another = await liveWorker.getNextJob(`${liveWorker.id}:1`);
    expect(await queue.getJobCounts('active', 'wait')).toEqual({ active: 3, wait: 0 });

    expect(await returnAbandonedJobs(queue, redis, closedWorker.id, pino({ level: 'silent' }))).toBe(2);
    expect(await queue.getJobCounts('active', 'wait')).toEqual({ active: 1, wait: 2 });
    expect(await Promise.all(abandoned.map((job) => job!.getState()))).toEqual(['waiting', 'waiting']);
    expect(await another!.getState()).toBe('active');
  });
});
