import { redisTargetOf } from '@leadrelay/config';
import fp from 'fastify-plugin';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { QueueRegistry, createRedisConnection, type RedisConnection } from '@leadrelay/queue';
import { SecretBox } from '@leadrelay/credentials';
import type { AdminEnv } from '../env.ts';

declare module 'fastify' {
  interface FastifyInstance {
    adminConfig: AdminEnv;
    redis: RedisConnection;
    queues: QueueRegistry;
    db: DatabaseClient;
    secretBox: SecretBox;
  }
}

/** The connections the admin service holds, opened once and closed with the server. */
export default fp<{ config: AdminEnv }>(
  async (app, { config }) => {
    const redis = createRedisConnection(redisTargetOf(config), { role: 'client', connectionName: 'admin' });
    const queueConnection = createRedisConnection(redisTargetOf(config), { role: 'worker', connectionName: 'admin-queues' });
    const queues = new QueueRegistry({ connection: queueConnection, prefix: config.QUEUE_PREFIX });
    const db = createDatabaseClient({ databaseUrl: config.DATABASE_URL, poolSize: 5, applicationName: 'leadrelay-admin' });

    app.decorate('adminConfig', config);
    app.decorate<RedisConnection>('redis', redis);
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
