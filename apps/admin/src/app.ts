import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createHttpApp, healthRoutes } from '@leadrelay/http-kit';
import { createStandardReadiness } from '@leadrelay/lifecycle';
import type { AdminEnv } from './env.ts';
import infrastructure from './plugins/infrastructure.ts';
import adminAuth from './plugins/admin-auth.ts';
import registries from './plugins/registries.ts';
import partnersRoutes from './routes/v1/partners/index.ts';
import destinationsRoutes from './routes/v1/destinations/index.ts';
import leadsRoutes from './routes/v1/leads/index.ts';
import statsRoutes from './routes/v1/stats/index.ts';

export interface BuildAdminAppOptions {
  config: AdminEnv;
  logger: FastifyBaseLogger;
}

/** The admin HTTP service for operators; `server.ts` only listens. */
export async function buildAdminApp({ config, logger }: BuildAdminAppOptions): Promise<FastifyInstance> {
  const app = await createHttpApp({ logger, bodyLimitBytes: 1_048_576 });
  await app.register(infrastructure, { config });
  await app.register(adminAuth);
  await app.register(registries);

  const readiness = createStandardReadiness({ redis: app.redis, db: app.db, queues: app.queues.all() });
  await app.register(healthRoutes, { readiness });
  await app.register(partnersRoutes, { prefix: '/v1/partners' });
  await app.register(destinationsRoutes, { prefix: '/v1/destinations' });
  await app.register(leadsRoutes, { prefix: '/v1/leads' });
  await app.register(statsRoutes, { prefix: '/v1/stats' });
  return app;
}
