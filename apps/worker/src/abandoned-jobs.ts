import { Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@leadrelay/observability';

/**
 * Hands back the jobs a closed worker still holds. A fetch already under way when the worker
 * closed can leave a job active under this worker's lock without being processed; left alone it
 * would wait for its lock to expire and the stalled check (WORKER_JOB_LOCK_DURATION later, and
 * counted as a stall). Call only once `Worker.close()` has resolved: the worker processes nothing
 * any more, so every job still locked with one of its tokens (`<worker id>:<n>`) is abandoned.
 * The move is BullMQ's own script, which checks the lock token, so another worker's job is never
 * touched. `redis` is a connection to the queue's Redis. Returns how many jobs were handed back.
 */
export async function returnAbandonedJobs(queue: Queue, redis: Redis, workerId: string, logger: Logger): Promise<number> {
  const activeIds = await redis.lrange(queue.keys.active!, 0, -1);
  if (activeIds.length === 0) return 0;
  const tokens = await redis.mget(...activeIds.map((jobId) => `${queue.toKey(jobId)}:lock`));
  let returned = 0;
  for (const [index, jobId] of activeIds.entries()) {
    const token = tokens[index];
    if (!token?.startsWith(`${workerId}:`)) continue;
    const job = await Job.fromId(queue, jobId);
    if (!job) continue;
    try {
      await job.moveToWait(token);
      returned += 1;
    } catch (error) {
      // Its lock changed meanwhile (it expired and another worker took the job): nothing to hand back.
      logger.warn({ jobId, err: error instanceof Error ? error.message : String(error) }, 'abandoned job not handed back; the stalled check will');
    }
  }
  return returned;
}
