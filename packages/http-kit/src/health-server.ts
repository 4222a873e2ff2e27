import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Readiness } from '@leadrelay/lifecycle';
import { createHttpApp } from './create-http-app.ts';
import { healthRoutes } from './health-routes.ts';
import type { HttpMetrics } from './http-metrics.ts';

export interface HealthServerOptions {
  logger: FastifyBaseLogger;
  readiness: Readiness;
  port: number;
  host?: string;
  /** When given, the server also answers `/metrics` (Prometheus) for the whole process. */
  metrics?: HttpMetrics;
}

/** The small HTTP server of a process that has no API of its own (worker, dispatcher), or of one whose API port is public (intake's metrics). */
export async function startHealthServer({ logger, readiness, port, host = '0.0.0.0', metrics }: HealthServerOptions): Promise<FastifyInstance> {
  const app = await createHttpApp({ logger, bodyLimitBytes: 1024, metrics });
  await app.register(healthRoutes, { readiness });
  await app.listen({ port, host });
  return app;
}
