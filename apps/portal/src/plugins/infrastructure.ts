import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { createRedisConnection } from '@leadrelay/queue';
import type { PortalEnv } from '../env.ts';

declare module 'fastify' {
  interface FastifyInstance {
    portalConfig: PortalEnv;
    redis: Redis;
    db: DatabaseClient;
  }
}

/** The connections the portal holds, opened once and closed with the server. */
export default fp<{ config: PortalEnv }>(
  async (app, { config }) => {
    const redis = createRedisConnection(config.REDIS_URL, { role: 'client', connectionName: 'portal' });
    const db = createDatabaseClient({ databaseUrl: config.DATABASE_URL, poolSize: 5, applicationName: 'leadrelay-portal' });
    app.decorate('portalConfig', config);
    app.decorate('redis', redis);
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      redis.disconnect();
      await db.$disconnect();
    });
  },
  { name: 'infrastructure' },
);
