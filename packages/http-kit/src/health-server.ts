import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Readiness } from '@leadrelay/lifecycle';
import { createHttpApp } from './create-http-app.ts';
import { healthRoutes } from './health-routes.ts';

export interface HealthServerOptions {
  logger: FastifyBaseLogger;
  readiness: Readiness;
  port: number;
  host?: string;
}

/** The small HTTP server of a process that has no API of its own (worker, dispatcher). */
export async function startHealthServer({ logger, readiness, port, host = '0.0.0.0' }: HealthServerOptions): Promise<FastifyInstance> {
  const app = await createHttpApp({ logger, bodyLimitBytes: 1024 });
  await app.register(healthRoutes, { readiness });
  await app.listen({ port, host });
  return app;
}
