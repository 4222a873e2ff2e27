import { redisTargetOf } from '@leadrelay/config';
import fp from 'fastify-plugin';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { createRedisConnection, type RedisConnection } from '@leadrelay/queue';
import type { PortalEnv } from '../env.ts';

declare module 'fastify' {
  interface FastifyInstance {
    portalConfig: PortalEnv;
    redis: RedisConnection;
    db: DatabaseClient;
  }
}

/** The connections the portal holds, opened once and closed with the server. */
export default fp<{ config: PortalEnv }>(
  async (app, { config }) => {
    const redis = createRedisConnection(redisTargetOf(config), { role: 'client', connectionName: 'portal' });
    const db = createDatabaseClient({ databaseUrl: config.DATABASE_URL, poolSize: 5, applicationName: 'leadrelay-portal' });
    app.decorate('portalConfig', config);
    app.decorate<RedisConnection>('redis', redis);
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      redis.disconnect();
      await db.$disconnect();
    });
  },
  { name: 'infrastructure' },
);
