import { redisTargetOf } from '@leadrelay/config';
import fp from 'fastify-plugin';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { QueueRegistry, createRedisConnection, type RedisConnection } from '@leadrelay/queue';
import { SecretBox } from '@leadrelay/credentials';
import type { PortalEnv } from '../env.ts';

declare module 'fastify' {
  interface FastifyInstance {
    portalConfig: PortalEnv;
    redis: RedisConnection;
    /** For replays: they enqueue delivery jobs, as the admin's do. */
    queues: QueueRegistry;
    db: DatabaseClient;
    secretBox: SecretBox;
  }
}

/** The connections the portal holds, opened once and closed with the server. */
export default fp<{ config: PortalEnv }>(
  async (app, { config }) => {
    const redis = createRedisConnection(redisTargetOf(config), { role: 'client', connectionName: 'portal' });
    const queueConnection = createRedisConnection(redisTargetOf(config), { role: 'worker', connectionName: 'portal-queues' });
    const queues = new QueueRegistry({ connection: queueConnection, prefix: config.QUEUE_PREFIX });
    const db = createDatabaseClient({ databaseUrl: config.DATABASE_URL, poolSize: 5, applicationName: 'leadrelay-portal' });
    app.decorate('portalConfig', config);
    app.decorate<RedisConnection>('redis', redis);
    app.decorate('db', db);
    app.decorate('queues', queues);
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
