import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createHttpApp, healthRoutes } from '@leadrelay/http-kit';
import { createStandardReadiness, type Readiness } from '@leadrelay/lifecycle';
import { queueNames } from '@leadrelay/queue';
import { httpMetrics } from '@leadrelay/observability';
import type { IntakeEnv } from './env.ts';
import openapi from './plugins/openapi.ts';
import infrastructure from './plugins/infrastructure.ts';
import partnerDirectory from './plugins/partner-directory.ts';
import canonicalAuth from './plugins/canonical-auth.ts';
import leadAcceptance from './plugins/lead-acceptance.ts';
import idempotency from './plugins/idempotency.ts';
import partnerRateLimit from './plugins/partner-rate-limit.ts';
import leadsRoutes from './routes/v1/leads/index.ts';
import hooksRoutes from './routes/v1/hooks/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** What /readyz checks; the metrics server (server.ts) answers it too. */
    readiness: Readiness;
  }
}

export interface BuildIntakeAppOptions {
  config: IntakeEnv;
  logger: FastifyBaseLogger;
}

/** The intake HTTP service, with every plugin and route registered; `server.ts` only listens. */
export async function buildIntakeApp({ config, logger }: BuildIntakeAppOptions): Promise<FastifyInstance> {
  // Answers are counted here; /metrics is served on INTAKE_METRICS_PORT (server.ts), not to partners.
  const app = await createHttpApp({
    logger,
    bodyLimitBytes: config.INTAKE_BODY_LIMIT_BYTES,
    metrics: httpMetrics,
    serveMetrics: false,
    connectionLimits: {
      headersTimeoutMs: config.INTAKE_HEADERS_TIMEOUT,
      requestTimeoutMs: config.INTAKE_REQUEST_TIMEOUT,
      keepAliveTimeoutMs: config.INTAKE_KEEP_ALIVE_TIMEOUT,
      maxConnections: config.INTAKE_MAX_CONNECTIONS,
    },
  });
  // Before every route: only routes registered after it are in the OpenAPI document.
  await app.register(openapi);
  await app.register(infrastructure, { config });
  await app.register(partnerDirectory);
  await app.register(canonicalAuth);
  await app.register(leadAcceptance);
  await app.register(idempotency);
  await app.register(partnerRateLimit);

  const readiness = createStandardReadiness({ redis: app.redis, db: app.db, queues: [app.queues.queue(queueNames.leads)] });
  app.decorate('readiness', readiness);
  await app.register(healthRoutes, { readiness });
  await app.register(leadsRoutes, { prefix: '/v1/leads' });
  await app.register(hooksRoutes, { prefix: '/v1/hooks' });
  return app;
}
