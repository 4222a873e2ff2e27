import { describe, expect, it } from 'vitest';
import { httpMetrics } from './http-metrics.ts';
import { observeEnqueue, reportQueueDepths } from './queue-metrics.ts';
import { recordPendingActivitiesExpired, recordPendingActivitiesDropped, recordPersistBatch, recordPersistFailure } from './worker-metrics.ts';
import { recordDeliveryAttempt, recordDestinationAutoDisabled } from './delivery-metrics.ts';
import { reportRedisMemory } from './redis-memory-metrics.ts';
import { metricsRegistry, scrapeMetrics } from './registry.ts';

describe('the process metrics registry', () => {
  it('has the default Node.js metrics and a Prometheus text content type', async () => {
    const { contentType, body } = await scrapeMetrics();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('process_resident_memory_bytes');
    expect(body).toContain('nodejs_heap_size_used_bytes');
  });

  it('records requests, enqueues, persisted batches and delivery attempts with their labels', async () => {
    httpMetrics.observeRequest({ method: 'POST', route: '/v1/leads/', statusCode: 202, durationMs: 12 });
    observeEnqueue('leads', 3, 4);
    recordPersistBatch(25, 80);
    recordPendingActivitiesExpired(3);
    recordPendingActivitiesDropped(2);
    recordDeliveryAttempt('3f1c2d4e-0000-4000-8000-000000000001', 'retrying', 1500);

    const body = await metricsRegistry.metrics();
    expect(body).toContain('leadrelay_http_requests_total{method="POST",route="/v1/leads/",status_code="202"} 1');
    expect(body).toContain('leadrelay_http_request_duration_seconds_sum{method="POST",route="/v1/leads/",status_code="202"} 0.012');
    expect(body).toContain('leadrelay_enqueued_jobs_total{queue="leads"} 4');
    expect(body).toContain('leadrelay_enqueue_duration_seconds_count{queue="leads"} 1');
    expect(body).toContain('leadrelay_worker_persist_batch_size_sum 25');
    expect(body).toContain('leadrelay_worker_persist_duration_seconds_sum 0.08');
    expect(body).toContain('leadrelay_worker_pending_activities_expired_total 3');
    expect(body).toContain('leadrelay_worker_pending_activities_dropped_total 2');
    expect(body).toContain('leadrelay_delivery_attempts_total{outcome="retrying"} 1');
    expect(body).toContain(
      'leadrelay_delivery_attempt_duration_seconds_bucket{le="2.5",destination_id="3f1c2d4e-0000-4000-8000-000000000001",outcome="retrying"} 1',
    );
  });

  it('reads queue depths at scrape time, and leaves out a queue whose depths cannot be read', async () => {
    let waiting = 2;
    const stop = reportQueueDepths([
      { name: 'leads', getJobCounts: async () => ({ waiting, failed: 1 }) },
      { name: 'events', getJobCounts: async () => Promise.reject(new Error('Redis is down')) },
    ]);
    try {
      let body = await metricsRegistry.metrics();
      expect(body).toContain('leadrelay_queue_jobs{queue="leads",state="waiting"} 2');
      expect(body).toContain('leadrelay_queue_jobs{queue="leads",state="failed"} 1');
      expect(body).toContain('leadrelay_queue_jobs{queue="leads",state="delayed"} 0');
      expect(body).not.toContain('leadrelay_queue_jobs{queue="events"');
      expect(body).toContain('leadrelay_queue_depth_readable{queue="events"} 0');
      expect(body).toContain('leadrelay_queue_depth_readable{queue="leads"} 1');

      waiting = 7;
      body = await metricsRegistry.metrics();
      expect(body).toContain('leadrelay_queue_jobs{queue="leads",state="waiting"} 7');
    } finally {
      stop();
    }
    expect(await metricsRegistry.metrics()).not.toContain('leadrelay_queue_jobs{queue="leads"');
  });

  it('has every persist failure kind at 0 before the first failure, and counts failures by kind', async () => {
    let body = await metricsRegistry.metrics();
    for (const kind of ['conflict', 'unavailable', 'data', 'unknown']) expect(body).toContain(`leadrelay_worker_persist_failures_total{kind="${kind}"} 0`);
    expect(body).toContain('leadrelay_destinations_auto_disabled_total 0');

    recordPersistFailure('unavailable');
    recordPersistFailure('unavailable');
    recordDestinationAutoDisabled();
    body = await metricsRegistry.metrics();
    expect(body).toContain('leadrelay_worker_persist_failures_total{kind="unavailable"} 2');
    expect(body).toContain('leadrelay_worker_persist_failures_total{kind="data"} 0');
    expect(body).toContain('leadrelay_destinations_auto_disabled_total 1');
  });

  it("reads Redis's memory use and limit at scrape time, and reports 0 rather than a stale figure when Redis does not answer", async () => {
    let info: Promise<string> = Promise.resolve('# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:4194304\r\n');
    const stop = reportRedisMemory({ info: () => info });
    try {
      let body = await metricsRegistry.metrics();
      expect(body).toContain('leadrelay_redis_used_memory_bytes 1048576');
      expect(body).toContain('leadrelay_redis_maxmemory_bytes 4194304');

      info = Promise.reject(new Error('Redis is down'));
      body = await metricsRegistry.metrics();
      expect(body).toContain('leadrelay_redis_used_memory_bytes 0');
      expect(body).toContain('leadrelay_redis_maxmemory_bytes 0');
    } finally {
      stop();
    }
    // Only a process that reports them has them: the other apps show no Redis figure.
    expect(await metricsRegistry.metrics()).not.toContain('leadrelay_redis_used_memory_bytes');
  });
});
