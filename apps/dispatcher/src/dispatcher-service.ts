import { redisTargetOf } from '@leadrelay/config';
import type { FastifyBaseLogger } from 'fastify';
import { httpMetrics, type Logger } from '@leadrelay/observability';
import { startHealthServer } from '@leadrelay/http-kit';
import { createStandardReadiness } from '@leadrelay/lifecycle';
import { createDatabaseClient } from '@leadrelay/db';
import { QueueRegistry, createRedisConnection, queueNames } from '@leadrelay/queue';
import { SecretBox } from '@leadrelay/credentials';
import type { RunningService } from '@leadrelay/lifecycle';
import type { DispatcherEnv } from './env.ts';
import { EventFanOut } from './event-fan-out.ts';
import { DeliveryAttempter } from './delivery-attempt.ts';
import { DecryptedSecrets, WebhookSender } from '@leadrelay/delivery';
import { createDispatcherWorkers } from './dispatcher-workers.ts';
import { DestinationSlots } from './destination-slots.ts';
import { DeliveryStore } from './delivery-store.ts';

/** Starts fan-out and delivery consumers; `stop` lets in-flight deliveries finish, then closes. */
export async function startDispatcherService(config: DispatcherEnv, logger: Logger): Promise<RunningService> {
  const db = createDatabaseClient({ databaseUrl: config.DATABASE_URL, poolSize: 20, applicationName: 'leadrelay-dispatcher' });
  const workerConnection = createRedisConnection(redisTargetOf(config), { role: 'worker', connectionName: 'dispatcher' });
  const producerConnection = createRedisConnection(redisTargetOf(config), { role: 'worker', connectionName: 'dispatcher-producer' });
  const queues = new QueueRegistry({ connection: producerConnection, prefix: config.QUEUE_PREFIX });
  const sender = new WebhookSender({ allowPrivate: config.ALLOW_PRIVATE_DESTINATIONS });
  const secretBox = new SecretBox(config.SECRET_ENCRYPTION_KEYS);
  const dispatcherWorkers = createDispatcherWorkers({
    connection: workerConnection,
    prefix: queues.bullmqPrefix,
    concurrency: config.DISPATCHER_CONCURRENCY,
    retryDelaysMs: config.DISPATCH_RETRY_SCHEDULE,
    stalledAfterMs: config.DISPATCH_STALLED_AFTER,
    fanOut: new EventFanOut({ db }),
    attempter: new DeliveryAttempter({ store: new DeliveryStore({ db }), sender, secrets: new DecryptedSecrets({ secretBox }), autoDisableAfterMs: config.DISPATCH_AUTO_DISABLE_AFTER, logger }),
    slots: new DestinationSlots({ redis: producerConnection, prefix: config.QUEUE_PREFIX }),
    queues,
    logger,
  });
  const { workers } = dispatcherWorkers;
  for (const worker of workers) {
    worker.run().catch((error: unknown) => logger.error({ err: error, queue: worker.name }, 'dispatcher worker stopped'));
  }
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  logger.info(
    { retryDelaysMs: config.DISPATCH_RETRY_SCHEDULE, allowPrivateDestinations: config.ALLOW_PRIVATE_DESTINATIONS },
    'dispatcher consuming events and deliveries',
  );

  const healthServer = await startHealthServer({
    logger: logger as FastifyBaseLogger,
    port: config.DISPATCHER_HEALTH_PORT,
    metrics: httpMetrics,
    readiness: createStandardReadiness({ redis: producerConnection, db, queues: [queues.queue(queueNames.events), queues.queue(queueNames.deliveries)] }),
  });

  return {
    stop: async () => {
      await healthServer.close();
      await dispatcherWorkers.close();
      await queues.close();
      await sender.close();
      workerConnection.disconnect();
      producerConnection.disconnect();
      await db.$disconnect();
    },
  };
}
