import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createHttpApp, healthRoutes } from '@leadrelay/http-kit';
import { createStandardReadiness } from '@leadrelay/lifecycle';
import { httpMetrics, reportQueueDepths, reportRedisMemory } from '@leadrelay/observability';
import type { AdminEnv } from './env.ts';
import openapi from './plugins/openapi.ts';
import infrastructure from './plugins/infrastructure.ts';
import adminAuth from './plugins/admin-auth.ts';
import registries from './plugins/registries.ts';
import { auditLogPlugin } from '@leadrelay/audit-log';
import bullBoard from './plugins/bull-board.ts';
import partnersRoutes from './routes/v1/partners/index.ts';
import destinationsRoutes from './routes/v1/destinations/index.ts';
import deliveriesRoutes from './routes/v1/deliveries/index.ts';
import leadsRoutes from './routes/v1/leads/index.ts';
import statsRoutes from './routes/v1/stats/index.ts';
import secretsRoutes from './routes/v1/secrets/index.ts';
import operatorsRoutes from './routes/v1/operators/index.ts';
import auditLogRoutes from './routes/v1/audit-log/index.ts';
import subscribersRoutes from './routes/v1/subscribers/index.ts';
import erasuresRoutes from './routes/v1/erasures/index.ts';
import suppressionsRoutes from './routes/v1/suppressions/index.ts';
import metricsRoutes from './routes/metrics/index.ts';

export interface BuildAdminAppOptions {
  config: AdminEnv;
  logger: FastifyBaseLogger;
}

/** The admin HTTP service for operators; `server.ts` only listens. */
export async function buildAdminApp({ config, logger }: BuildAdminAppOptions): Promise<FastifyInstance> {
  // /metrics is served below, behind the admin token.
  const app = await createHttpApp({ logger, bodyLimitBytes: 1_048_576, metrics: httpMetrics, serveMetrics: false });
  // Before every route: only routes registered after it are in the OpenAPI document.
  await app.register(openapi);
  await app.register(infrastructure, { config });
  await app.register(registries);
  await app.register(adminAuth);
  // Before the dashboard and every route: its hooks record each change they answer.
  await app.register(auditLogPlugin, { db: app.db, actorOf: (request) => request.actor });
  await app.register(bullBoard);

  // The admin sees every queue, so it is the one process that reports their depths on /metrics.
  const stopReportingQueueDepths = reportQueueDepths(app.queues.all());
  app.addHook('onClose', async () => stopReportingQueueDepths());
  // And Redis's memory: BullMQ cannot evict, so Redis at its limit refuses every new lead.
  const stopReportingRedisMemory = reportRedisMemory(app.redis);
  app.addHook('onClose', async () => stopReportingRedisMemory());

  const readiness = createStandardReadiness({ redis: app.redis, db: app.db, queues: app.queues.all() });
  await app.register(healthRoutes, { readiness });
  await app.register(partnersRoutes, { prefix: '/v1/partners' });
  await app.register(destinationsRoutes, { prefix: '/v1/destinations' });
  await app.register(subscribersRoutes, { prefix: '/v1/subscribers' });
  await app.register(deliveriesRoutes, { prefix: '/v1/deliveries' });
  await app.register(leadsRoutes, { prefix: '/v1/leads' });
  await app.register(statsRoutes, { prefix: '/v1/stats' });
  await app.register(secretsRoutes, { prefix: '/v1/secrets' });
  await app.register(operatorsRoutes, { prefix: '/v1/operators' });
  await app.register(auditLogRoutes, { prefix: '/v1/audit-log' });
  await app.register(erasuresRoutes, { prefix: '/v1/erasures' });
  await app.register(suppressionsRoutes, { prefix: '/v1/suppressions' });
  await app.register(metricsRoutes, { prefix: '/metrics' });
  return app;
}
