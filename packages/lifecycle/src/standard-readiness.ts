import type { RedisConnection } from '@leadrelay/queue';
import { Readiness } from './readiness.ts';

export interface StandardReadinessInput {
  redis: RedisConnection;
  db: { $queryRaw(query: TemplateStringsArray): Promise<unknown> };
  /** Queues whose pause makes this process not ready. */
  queues: { name: string; isPaused(): Promise<boolean> }[];
}

/** The readiness every LeadRelay process reports: Redis, PostgreSQL, and its queues not paused. */
export function createStandardReadiness({ redis, db, queues }: StandardReadinessInput): Readiness {
  return new Readiness({
    redis: async () => {
      await redis.ping();
    },
    postgres: async () => {
      await db.$queryRaw`SELECT 1`;
    },
    queues: async () => {
      const paused = [];
      for (const queue of queues) if (await queue.isPaused()) paused.push(queue.name);
      if (paused.length > 0) throw new Error(`paused: ${paused.join(', ')}`);
    },
  });
}
