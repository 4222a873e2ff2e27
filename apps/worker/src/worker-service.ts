import type { FastifyBaseLogger } from 'fastify';
import { httpMetrics, type Logger } from '@leadrelay/observability';
import { startHealthServer } from '@leadrelay/http-kit';
import { createStandardReadiness } from '@leadrelay/lifecycle';
import { createDatabaseClient } from '@leadrelay/db';
import { QueueRegistry, createRedisConnection, queueNames } from '@leadrelay/queue';
import type { RunningService } from '@leadrelay/lifecycle';
import type { WorkerEnv } from './env.ts';
import { LeadPersister } from './lead-persister.ts';
import { OutboxRelay } from './outbox-relay.ts';
import { createLeadsWorker } from './leads-worker.ts';

/** Starts the leads worker and the outbox sweeper; `stop` hands back in-flight jobs and closes everything. */
export async function startWorkerService(config: WorkerEnv, logger: Logger): Promise<RunningService> {
  const db = createDatabaseClient({
    databaseUrl: config.DATABASE_URL,
    poolSize: Math.min(20, config.WORKER_CONCURRENCY),
    applicationName: 'leadrelay-worker',
  });
  const workerConnection = createRedisConnection(config.REDIS_URL, { role: 'worker', connectionName: 'worker' });
  const producerConnection = createRedisConnection(config.REDIS_URL, { role: 'worker', connectionName: 'worker-producer' });
  const queues = new QueueRegistry({ connection: producerConnection, prefix: config.QUEUE_PREFIX });
  const relay = new OutboxRelay({ db, queues });
  const worker = createLeadsWorker({
    connection: workerConnection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    persister: new LeadPersister(db),
    relay,
    logger,
  });

  const sweep = async () => {
    try {
      const found = await relay.sweep();
      if (found > 0) logger.info({ found }, 'outbox: enqueued events left behind');
    } catch (error) {
      logger.warn({ err: error }, 'outbox sweep failed; retrying on the next interval');
    }
  };
  await sweep();
  const sweeper = setInterval(sweep, config.OUTBOX_SWEEP_INTERVAL);
  worker.run().catch((error: unknown) => logger.error({ err: error }, 'leads worker stopped'));
  await worker.waitUntilReady();
  logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'worker consuming the leads queue');

  const healthServer = await startHealthServer({
    logger: logger as FastifyBaseLogger,
    port: config.WORKER_HEALTH_PORT,
    metrics: httpMetrics,
    readiness: createStandardReadiness({ redis: producerConnection, db, queues: [queues.queue(queueNames.leads)] }),
  });

  return {
    stop: async () => {
      await healthServer.close();
      clearInterval(sweeper);
      await worker.close();
      await queues.close();
      workerConnection.disconnect();
      producerConnection.disconnect();
      await db.$disconnect();
    },
  };
}
