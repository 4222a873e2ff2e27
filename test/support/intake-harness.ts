import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import pg from 'pg';
import { IntakeEnvSchema } from '../../apps/intake/src/env.ts';
import { buildIntakeApp } from '../../apps/intake/src/app.ts';
import { WorkerEnvSchema } from '../../apps/worker/src/env.ts';
import { startWorkerService } from '../../apps/worker/src/worker-service.ts';
import type { RunningService } from '@leadrelay/lifecycle';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from './test-redis.ts';

export interface IntakeHarness {
  app: FastifyInstance;
  database: TestDatabase;
  queuePrefix: string;
  /** A plain pg client on the test database, for assertions. */
  sql: pg.Client;
  /** Starts the worker in this process, so accepted leads reach PostgreSQL. */
  startWorker(): Promise<RunningService>;
  close(): Promise<void>;
}

/** Intake built in-process (requests through `inject`) on the real Redis and PostgreSQL. */
export async function createIntakeHarness(env: Record<string, string> = {}): Promise<IntakeHarness> {
  const database = await createTestDatabase();
  const queuePrefix = createQueuePrefix();
  const baseEnv = { NODE_ENV: 'test', DATABASE_URL: database.url, REDIS_URL: testRedisUrl, QUEUE_PREFIX: queuePrefix, ...env };
  const logger = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
  const app = await buildIntakeApp({ config: IntakeEnvSchema.parse(baseEnv), logger });
  await app.ready();
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  const services: RunningService[] = [];
  return {
    app,
    database,
    queuePrefix,
    sql,
    startWorker: async () => {
      const worker = await startWorkerService(
        WorkerEnvSchema.parse({ ...baseEnv, WORKER_HEALTH_PORT: '0' }),
        pino({ level: 'silent' }),
      );
      services.push(worker);
      return worker;
    },
    close: async () => {
      for (const service of services) await service.stop();
      await app.close();
      await sql.end();
      await database.drop();
      await deleteRedisKeys(queuePrefix);
    },
  };
}
