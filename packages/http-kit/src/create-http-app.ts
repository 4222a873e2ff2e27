import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { errorHandlerPlugin } from './error-handler.ts';
import { httpMetricsPlugin, type HttpMetrics } from './http-metrics.ts';

/** How long a client may take to send a request, and how many connections a process holds. */
export interface HttpConnectionLimits {
  /** Time to receive a request's headers (Node's `headersTimeout`); past it the answer is 408 and the connection closed. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (`requestTimeout`), 408 past it; not the time we take to answer. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open for the client's next request. */
  keepAliveTimeoutMs: number;
  /** Connections one process holds at most; one more is closed as soon as it is accepted. */
  maxConnections: number;
}

/**
 * Every app's unless it sets its own (intake does, from its environment). Without them Node kept
 * a connection that sent its headers one byte a second for 82 s (Fastify turns `requestTimeout`
 * off) and accepted connections without limit.
 */
export const defaultHttpConnectionLimits: HttpConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Longer than the 60 s idle timeout of common load balancers, so they never reuse a connection we are closing.
  keepAliveTimeoutMs: 72_000,
  maxConnections: 10_000,
};

/**
 * Node checks the header and request timeouts only this often (its default is 30 s, which let a
 * 10 s headers timeout run to 40 s); each check walks the open connections, cheap at this rate.
 */
const connectionsCheckingIntervalMs = 1_000;

/** Refused connections are logged at most this often, with how many there were. */
const droppedConnectionsLogIntervalMs = 60_000;

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
  /** Defaults to defaultHttpConnectionLimits. */
  connectionLimits?: HttpConnectionLimits;
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
export async function createHttpApp({
  logger,
  bodyLimitBytes,
  metrics,
  serveMetrics = true,
  connectionLimits = defaultHttpConnectionLimits,
}: CreateHttpAppOptions): Promise<FastifyInstance> {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections } = connectionLimits;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: bodyLimitBytes,
    // Node's own: Fastify sets the request and keep-alive timeouts on the server after creating it,
    // and has no option for the headers timeout or the checking interval.
    http: { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: connectionsCheckingIntervalMs },
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    // Fastify would take the header as it is; genReqId decides instead.
    requestIdHeader: false,
    genReqId: (request) => requestIdFor(request.headers['x-request-id']),
    // Fastify's own request lines carry the full URL, and some partners (Sovendus) put a lead's
    // email and name in the query string: we log requests ourselves, path only.
    // (The top-level `disableRequestLogging` is deprecated in Fastify 5 and gone in 6.)
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Fastify has no option for it; past it Node closes new connections at once (its 'drop' event).
  app.server.maxConnections = maxConnections;
  let droppedConnections = 0;
  let droppedLoggedAtMs = 0;
  app.server.on('drop', () => {
    droppedConnections += 1;
    const nowMs = Date.now();
    if (nowMs - droppedLoggedAtMs < droppedConnectionsLogIntervalMs) return;
    app.log.warn({ droppedConnections, maxConnections }, 'connections refused: the process holds as many as it may');
    droppedConnections = 0;
    droppedLoggedAtMs = nowMs;
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
