import { redisTargetOf } from '@leadrelay/config';
import fp from 'fastify-plugin';
import { serviceConnectionsPlugin } from '@leadrelay/http-kit';
import { SecretBox } from '@leadrelay/credentials';
import type { AdminEnv } from '../env.ts';

declare module 'fastify' {
  interface FastifyInstance {
    adminConfig: AdminEnv;
    secretBox: SecretBox;
  }
}

/** The connections the admin service holds (Redis, queues, database), opened once and closed with the server. */
export default fp<{ config: AdminEnv }>(
  async (app, { config }) => {
    await app.register(serviceConnectionsPlugin, {
      appName: 'admin',
      redisTarget: redisTargetOf(config),
      queuePrefix: config.QUEUE_PREFIX,
      databaseUrl: config.DATABASE_URL,
      databasePoolSize: 5,
    });
    app.decorate('adminConfig', config);
    app.decorate('secretBox', new SecretBox(config.SECRET_ENCRYPTION_KEYS));
  },
  { name: 'infrastructure' },
);
