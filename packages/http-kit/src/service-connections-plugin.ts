import fp from 'fastify-plugin';
import type { RedisTarget } from '@leadrelay/config';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { QueueRegistry, createRedisConnection, type RedisConnection } from '@leadrelay/queue';

declare module 'fastify' {
  interface FastifyInstance {
    /** Short commands: rate limits, sessions, health checks. */
    redis: RedisConnection;
    /** To enqueue jobs (replays, erasures), on a connection of their own. */
    queues: QueueRegistry;
    db: DatabaseClient;
  }
}

export interface ServiceConnectionsOptions {
  /** Names the connections in Redis' `CLIENT LIST` (`<app>`, `<app>-queues`) and PostgreSQL's `application_name` (`leadrelay-<app>`). */
  appName: string;
  redisTarget: RedisTarget;
  queuePrefix: string;
  databaseUrl: string;
  /** PostgreSQL connections at most. */
  databasePoolSize: number;
}

/**
 * The connections an HTTP service that changes LeadRelay's state holds (the admin, the portal):
 * Redis, the job queues and the database, opened once when the plugin registers and closed with
 * the server, queues before the connections they use.
 */
export const serviceConnectionsPlugin = fp<ServiceConnectionsOptions>(
  async (app, { appName, redisTarget, queuePrefix, databaseUrl, databasePoolSize }) => {
    const redis = createRedisConnection(redisTarget, { role: 'client', connectionName: appName });
    const queueConnection = createRedisConnection(redisTarget, { role: 'worker', connectionName: `${appName}-queues` });
    const queues = new QueueRegistry({ connection: queueConnection, prefix: queuePrefix });
    const db = createDatabaseClient({ databaseUrl, poolSize: databasePoolSize, applicationName: `leadrelay-${appName}` });
    app.decorate<RedisConnection>('redis', redis);
    app.decorate('queues', queues);
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      await queues.close();
      queueConnection.disconnect();
      redis.disconnect();
      await db.$disconnect();
    });
  },
  { name: 'service-connections' },
);
