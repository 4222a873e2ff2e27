import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { QueueRegistry, createRedisConnection } from '@leadrelay/queue';
import { SecretBox } from '@leadrelay/credentials';
import type { AdminEnv } from '../env.ts';

declare module 'fastify' {
  interface FastifyInstance {
    adminConfig: AdminEnv;
    redis: Redis;
    queues: QueueRegistry;
    db: DatabaseClient;
    secretBox: SecretBox;
  }
}

/** The connections the admin service holds, opened once and closed with the server. */
export default fp<{ config: AdminEnv }>(
  async (app, { config }) => {
    const redis = createRedisConnection(config.REDIS_URL, { role: 'client', connectionName: 'admin' });
    const queueConnection = createRedisConnection(config.REDIS_URL, { role: 'worker', connectionName: 'admin-queues' });
    const queues = new QueueRegistry({ connection: queueConnection, prefix: config.QUEUE_PREFIX });
    const db = createDatabaseClient({ databaseUrl: config.DATABASE_URL, poolSize: 5, applicationName: 'leadrelay-admin' });

    app.decorate('adminConfig', config);
    app.decorate('redis', redis);
    app.decorate('queues', queues);
    app.decorate('db', db);
    app.decorate('secretBox', new SecretBox(config.SECRET_ENCRYPTION_KEYS));

    app.addHook('onClose', async () => {
      await queues.close();
      queueConnection.disconnect();
      redis.disconnect();
      await db.$disconnect();
    });
  },
  { name: 'infrastructure' },
);
