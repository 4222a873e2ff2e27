import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The one Prometheus registry of this process: every LeadRelay metric and the default Node.js
 * ones (heap, event loop lag, GC, handles) are registered here and scraped from `/metrics`.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export interface MetricsScrape {
  contentType: string;
  body: string;
}

/** The text a Prometheus scrape reads; collectors (queue depths) run now. */
export async function scrapeMetrics(): Promise<MetricsScrape> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
