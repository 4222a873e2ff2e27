import { Counter, Histogram } from 'prom-client';
import { metricsRegistry, scrapeMetrics, type MetricsScrape } from './registry.ts';

const labelNames = ['method', 'route', 'status_code'] as const;

const httpRequestsTotal = new Counter({
  name: 'leadrelay_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
  labelNames,
  registers: [metricsRegistry],
});

const httpRequestDurationSeconds = new Histogram({
  name: 'leadrelay_http_request_duration_seconds',
  help: 'Time from receiving a request to sending its answer, by method, route pattern and status code',
  labelNames,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export interface HttpRequestSample {
  method: string;
  /** The route pattern (`/v1/leads/:id`), never the raw URL: raw URLs would explode the label set. */
  route: string;
  statusCode: number;
  durationMs: number;
}

export function observeHttpRequest({ method, route, statusCode, durationMs }: HttpRequestSample): void {
  const labels = { method, route, status_code: String(statusCode) };
  httpRequestsTotal.inc(labels);
  httpRequestDurationSeconds.observe(labels, durationMs / 1000);
}

/** What http-kit's metrics plugin takes: the recorder for every answer and the scrape for `/metrics`. */
export const httpMetrics: {
  observeRequest(sample: HttpRequestSample): void;
  scrape(): Promise<MetricsScrape>;
} = {
  observeRequest: observeHttpRequest,
  scrape: scrapeMetrics,
};
