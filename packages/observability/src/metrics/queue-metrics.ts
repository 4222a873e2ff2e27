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

type DepthReadings = Map<string, Record<string, number> | null>;
let readingInFlight: Promise<DepthReadings> | undefined;

/** One read of every queue per scrape, shared by the two gauges below (a scrape collects them together). */
function readQueueDepths(): Promise<DepthReadings> {
  readingInFlight ??= (async () => {
    const readings: DepthReadings = new Map();
    await Promise.all(
      depthSources.map(async (queue) => {
        try {
          readings.set(queue.name, await withTimeout(queue.getJobCounts(...queueDepthStates), depthReadTimeoutMs));
        } catch {
          // A stale depth would look like a healthy queue: no sample, and `readable` 0, say the truth.
          readings.set(queue.name, null);
        }
      }),
    );
    return readings;
  })().finally(() => {
    readingInFlight = undefined;
  });
  return readingInFlight;
}

new Gauge({
  name: 'leadrelay_queue_jobs',
  help: 'Jobs in each queue by state, read from Redis at scrape time',
  labelNames: ['queue', 'state'],
  registers: [metricsRegistry],
  async collect() {
    const readings = await readQueueDepths();
    this.reset();
    for (const [queue, counts] of readings) {
      if (counts) for (const state of queueDepthStates) this.set({ queue, state }, counts[state] ?? 0);
    }
  },
});

new Gauge({
  name: 'leadrelay_queue_depth_readable',
  help: '1 when the queue depths could be read from Redis for this scrape, 0 when not, by queue',
  labelNames: ['queue'],
  registers: [metricsRegistry],
  async collect() {
    const readings = await readQueueDepths();
    this.reset();
    for (const [queue, counts] of readings) this.set({ queue }, counts ? 1 : 0);
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
