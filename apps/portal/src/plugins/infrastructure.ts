import { redisTargetOf } from '@leadrelay/config';
import fp from 'fastify-plugin';
import { serviceConnectionsPlugin } from '@leadrelay/http-kit';
import { SecretBox } from '@leadrelay/credentials';
import type { PortalEnv } from '../env.ts';

declare module 'fastify' {
  interface FastifyInstance {
    portalConfig: PortalEnv;
    secretBox: SecretBox;
  }
}

/** The connections the portal service holds (Redis, queues, database), opened once and closed with the server. */
export default fp<{ config: PortalEnv }>(
  async (app, { config }) => {
    await app.register(serviceConnectionsPlugin, {
      appName: 'portal',
      redisTarget: redisTargetOf(config),
      queuePrefix: config.QUEUE_PREFIX,
      databaseUrl: config.DATABASE_URL,
      databasePoolSize: 5,
    });
    app.decorate('portalConfig', config);
    app.decorate('secretBox', new SecretBox(config.SECRET_ENCRYPTION_KEYS));
  },
  { name: 'infrastructure' },
);
