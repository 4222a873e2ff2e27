import autocannon from 'autocannon';

/** One fixed-time HTTP load run with autocannon. */
export interface HttpLoadOptions {
  /** Origin and path, e.g. `http://127.0.0.1:3000/v1/leads`. */
  url: string;
  headers: Record<string, string>;
  /** Called for every request, so each carries leads no other request had. */
  makeBody: () => string;
  connections: number;
  durationSeconds: number;
  /** Requests a second over all connections; unset sends as fast as answers come back. */
  overallRatePerSecond?: number;
  /** Called with every answer and `performance.now()` when it was read. */
  onAnswer?: (statusCode: number, body: string, answeredAtMs: number) => void;
}

export interface HttpLoadResult {
  /** 2xx answers a second over the run. */
  okPerSecond: number;
  okCount: number;
  /** Answers other than 2xx, plus connection errors and timeouts: should be 0. */
  failedCount: number;
  /** Acknowledgement latency as autocannon measures it (corrected for coordinated omission at a fixed rate). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  durationSeconds: number;
}

/** Seconds autocannon waits for one answer before counting a timeout. */
const requestTimeoutSeconds = 10;

/**
 * Runs autocannon in this process with one request definition whose body is made per request.
 * The bare route and intake are driven by exactly this, so the load generator's own cost is
 * the same on both sides of a ratio.
 */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: requestTimeoutSeconds,
    ...(options.overallRatePerSecond === undefined ? {} : { overallRate: options.overallRatePerSecond }),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        setupRequest: (request) => ({ ...request, body: options.makeBody() }),
        ...(options.onAnswer === undefined
          ? {}
          : { onResponse: (status: number, body: string) => options.onAnswer!(status, body, performance.now()) }),
      },
    ],
  });
  const okCount = result['2xx'];
  return {
    okPerSecond: okCount / result.duration,
    okCount,
    failedCount: result.non2xx + result.errors,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    durationSeconds: result.duration,
  };
}
