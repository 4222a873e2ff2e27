import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { errorHandlerPlugin } from './error-handler.ts';
import { httpMetricsPlugin, type HttpMetrics } from './http-metrics.ts';

export interface CreateHttpAppOptions {
  logger: FastifyBaseLogger;
  /** Largest request body, in bytes. */
  bodyLimitBytes: number;
  /** When given, every answer is counted and timed and `/metrics` serves the process's metrics. */
  metrics?: HttpMetrics;
  /**
   * False to count and time answers without serving `/metrics` here: a public port (intake's)
   * serves it on an internal one instead. True by default.
   */
  serveMetrics?: boolean;
}

/** pino loggers can tell; a logger that cannot is asked to write every line, as before. */
function isInfoEnabled(log: FastifyBaseLogger): boolean {
  const { isLevelEnabled } = log as { isLevelEnabled?: (level: string) => boolean };
  return typeof isLevelEnabled === 'function' ? isLevelEnabled.call(log, 'info') : true;
}

// A caller's request id goes into every log line of the request, the job and `events.request_id`:
// only a short, plain one is taken (a UUID, a trace id, "abc-123"); anything longer or with other
// characters (12 KB were accepted, and control characters would reach the logs) gets a new id.
const callerRequestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is short and plain (see above), otherwise a new UUID. */
function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && callerRequestIdPattern.test(header) ? header : randomUUID();
}

/**
 * A Fastify instance with LeadRelay's conventions: zod schemas validate and serialize, every
 * request has an id (the caller's `X-Request-Id` when it is short and plain, see `requestIdFor`),
 * one error handler.
 */
export async function createHttpApp({ logger, bodyLimitBytes, metrics, serveMetrics = true }: CreateHttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: bodyLimitBytes,
    // Fastify would take the header as it is; genReqId decides instead.
    requestIdHeader: false,
    genReqId: (request) => requestIdFor(request.headers['x-request-id']),
    // Fastify's own request lines carry the full URL, and some partners (Sovendus) put a lead's
    // email and name in the query string: we log requests ourselves, path only.
    // (The top-level `disableRequestLogging` is deprecated in Fastify 5 and gone in 6.)
    logController: new LogController({ disableRequestLogging: true }),
  });
  // A callback hook (no promise per request), and nothing built when info lines are not written.
  app.addHook('onResponse', (request, reply, done) => {
    if (isInfoEnabled(request.log)) {
      request.log.info(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          path: request.url.split('?')[0],
          statusCode: reply.statusCode,
          responseTimeMs: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Our APIs take JSON only; anything else is a 415, never parsed as text.
  app.removeContentTypeParser('text/plain');
  await app.register(errorHandlerPlugin);
  if (metrics) await app.register(httpMetricsPlugin, { metrics, serveMetrics });
  return app;
}
