import type { FastifyPluginAsync } from 'fastify';
import { metricsHandler } from '@leadrelay/http-kit';
import { httpMetrics } from '@leadrelay/observability';

/**
 * `/metrics` for Prometheus, behind the admin token like every other admin route: the admin
 * reports every queue's depth, and its API port is the one operators reach. Prometheus sends
 * the token with `authorization: { credentials: ... }` in its scrape config.
 */
const metricsRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);

  app.get('/', { schema: { hide: true } }, metricsHandler(httpMetrics));
};

export default metricsRoutes;
