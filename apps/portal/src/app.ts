import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createHttpApp, healthRoutes } from '@leadrelay/http-kit';
import { createStandardReadiness, type Readiness } from '@leadrelay/lifecycle';
import { httpMetrics } from '@leadrelay/observability';
import { auditLogPlugin } from '@leadrelay/audit-log';
import type { PortalEnv } from './env.ts';
import openapi from './plugins/openapi.ts';
import infrastructure from './plugins/infrastructure.ts';
import subscriberAuth from './plugins/subscriber-auth.ts';
import destinationServices from './plugins/destination-services.ts';
import portalSession from './plugins/portal-session.ts';
import pages from './routes/pages/index.ts';
import meRoutes from './routes/v1/me/index.ts';
import destinationsRoutes from './routes/v1/destinations/index.ts';
import deliveriesRoutes from './routes/v1/deliveries/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** What /readyz checks, on the app and on the metrics port alike. */
    readiness: Readiness;
  }
}

export interface BuildPortalAppOptions {
  config: PortalEnv;
  logger: FastifyBaseLogger;
}

/** The CRM portal and its API, for subscribers; `server.ts` only listens. */
export async function buildPortalApp({ config, logger }: BuildPortalAppOptions): Promise<FastifyInstance> {
  // The portal faces the internet: its /metrics is on PORTAL_METRICS_PORT (server.ts), not here.
  const app = await createHttpApp({ logger, bodyLimitBytes: 262_144, metrics: httpMetrics, serveMetrics: false });
  // Before every route: only routes registered after it are in the OpenAPI document.
  await app.register(openapi);
  await app.register(infrastructure, { config });
  await app.register(subscriberAuth);
  // Before every route: each change a subscriber makes is in the operators' audit log (`GET /v1/audit-log` in the admin).
  await app.register(auditLogPlugin, {
    db: app.db,
    actorOf: (request) => (request.subscriber ? { kind: 'subscriber', id: request.subscriber.id, name: request.subscriber.name } : null),
  });
  await app.register(destinationServices);

  const readiness = createStandardReadiness({ redis: app.redis, db: app.db, queues: [] });
  app.decorate('readiness', readiness);
  await app.register(healthRoutes, { readiness });
  await app.register(meRoutes, { prefix: '/v1/me' });
  await app.register(destinationsRoutes, { prefix: '/v1/destinations' });
  await app.register(deliveriesRoutes, { prefix: '/v1/deliveries' });
  // The web pages, on the same services with the same scope; hidden from the API document.
  await app.register(portalSession);
  await app.register(pages);
  return app;
}
