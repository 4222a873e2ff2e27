import { redisTargetOf } from '@leadrelay/config';
import fp from 'fastify-plugin';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { QueueRegistry, createRedisConnection, type RedisConnection } from '@leadrelay/queue';
import { SecretBox } from '@leadrelay/credentials';
import { observeEnqueue } from '@leadrelay/observability';
import type { IntakeEnv } from '../env.ts';

declare module 'fastify' {
  interface FastifyInstance {
    intakeConfig: IntakeEnv;
    /** Short commands: identity claims, rate limits, idempotency records. Fails fast when Redis is down. */
    redis: RedisConnection;
    queues: QueueRegistry;
    /** Read-only here: intake never writes PostgreSQL on the request path. */
    db: DatabaseClient;
    secretBox: SecretBox;
  }
}

/** The connections intake holds, opened once and closed when the server closes. */
export default fp<{ config: IntakeEnv }>(
  async (app, { config }) => {
    const redis = createRedisConnection(redisTargetOf(config), { role: 'client', connectionName: 'intake' });
    const producerConnection = createRedisConnection(redisTargetOf(config), { role: 'producer', connectionName: 'intake-producer' });
    const queues = new QueueRegistry({
      connection: producerConnection,
      prefix: config.QUEUE_PREFIX,
      waitForReplicas: { replicas: config.REDIS_WAIT_REPLICAS, timeoutMs: config.REDIS_WAIT_TIMEOUT },
      onEnqueued: observeEnqueue,
      // Requests already answer 503 when Redis fails; this keeps the detail in the log.
      onQueueError: (queue, error) => app.log.warn({ queue, err: error.message }, 'queue connection error'),
    });
    const db = createDatabaseClient({ databaseUrl: config.DATABASE_URL, poolSize: 5, applicationName: 'leadrelay-intake' });

    app.decorate('intakeConfig', config);
    app.decorate<RedisConnection>('redis', redis);
    app.decorate('queues', queues);
    app.decorate('db', db);
    app.decorate('secretBox', new SecretBox(config.SECRET_ENCRYPTION_KEYS));

    app.addHook('onClose', async () => {
      await queues.close();
      producerConnection.disconnect();
      redis.disconnect();
      await db.$disconnect();
    });
  },
  { name: 'infrastructure' },
);
