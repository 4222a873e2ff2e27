import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from './registry.ts';

const enqueueDurationSeconds = new Histogram({
  name: 'leadrelay_enqueue_duration_seconds',
  help: 'Time to add jobs to a queue in Redis (one call, which may add many jobs), by queue',
  labelNames: ['queue'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

const enqueuedJobsTotal = new Counter({
  name: 'leadrelay_enqueued_jobs_total',
  help: 'Jobs added to a queue by this process, by queue',
  labelNames: ['queue'],
  registers: [metricsRegistry],
});

/** Records one enqueue call: how long Redis took and how many jobs it added. */
export function observeEnqueue(queue: string, durationMs: number, jobCount = 1): void {
  enqueueDurationSeconds.observe({ queue }, durationMs / 1000);
  enqueuedJobsTotal.inc({ queue }, jobCount);
}

/** The BullMQ states a queue depth is reported for. */
export const queueDepthStates = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'paused', 'failed', 'completed'] as const;

/** What queue depths are read from: a BullMQ `Queue` fits. */
export interface QueueDepthSource {
  name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

let depthSources: readonly QueueDepthSource[] = [];
/** A scrape must answer even when Redis does not: depths are left out after this long. */
const depthReadTimeoutMs = 2_000;

const queueDepthReadFailuresTotal = new Counter({
  name: 'leadrelay_queue_depth_read_failures_total',
  help: 'Scrapes whose queue depths could not be read from Redis in time, by queue',
  labelNames: ['queue'],
  registers: [metricsRegistry],
});

new Gauge({
  name: 'leadrelay_queue_jobs',
  help: 'Jobs in each queue by state, read from Redis at scrape time',
  labelNames: ['queue', 'state'],
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    await Promise.all(
      depthSources.map(async (queue) => {
        try {
          const counts = await withTimeout(queue.getJobCounts(...queueDepthStates), depthReadTimeoutMs);
          for (const state of queueDepthStates) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch {
          // A stale depth would look like a healthy queue; no sample plus a failure count says the truth.
          queueDepthReadFailuresTotal.inc({ queue: queue.name });
        }
      }),
    );
  },
});

/**
 * Reports the depth of these queues on every scrape (one process per deployment is enough, the
 * admin service does it). Returns a function that stops reporting them.
 */
export function reportQueueDepths(queues: readonly QueueDepthSource[]): () => void {
  depthSources = [...depthSources, ...queues];
  return () => {
    depthSources = depthSources.filter((source) => !queues.includes(source));
  };
}

function withTimeout<Value>(promise: Promise<Value>, timeoutMs: number): Promise<Value> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
