import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What the metrics plugin needs from the process's metrics (`httpMetrics` of
 * @leadrelay/observability fits): a recorder for every answer, and the text of a scrape.
 */
export interface HttpMetrics {
  observeRequest(sample: { method: string; route: string; statusCode: number; durationMs: number }): void;
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Label of requests that matched no route: their URLs are whatever a client typed. */
export const unmatchedRouteLabel = '(unmatched)';

/**
 * Counts and times every answer by route pattern and status, and serves the process's metrics
 * at `/metrics` for Prometheus (unless `serveMetrics` is false).
 */
export const httpMetricsPlugin = fp<{ metrics: HttpMetrics; serveMetrics?: boolean }>(
  async (app, { metrics, serveMetrics = true }) => {
    // A callback hook: no promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest({
        method: request.method,
        route: request.routeOptions.url ?? unmatchedRouteLabel,
        statusCode: reply.statusCode,
        durationMs: reply.elapsedTime,
      });
      done();
    });

    if (!serveMetrics) return;
    app.get('/metrics', { schema: { hide: true } }, metricsHandler(metrics));
  },
  { name: 'http-metrics' },
);

/** Route handler answering a Prometheus scrape, for an app that serves `/metrics` its own way. */
export function metricsHandler(metrics: HttpMetrics) {
  return async (_request: FastifyRequest, reply: FastifyReply) => {
    const { contentType, body } = await metrics.scrape();
    return reply.type(contentType).send(body);
  };
}
