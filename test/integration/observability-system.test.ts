import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueRegistry, createRedisConnection, queueNames, type QueueName } from '@leadrelay/queue';
import type { SystemAppName as AppName } from '../support/leadrelay-system.ts';
import { adminRequest, startLeadRelaySystem, testAdminToken, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { testRedisUrl } from '../support/test-redis.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

const appNames: AppName[] = ['intake', 'worker', 'dispatcher', 'admin'];

/** The JSON log lines a process wrote so far (pino writes one object per line). */
function logLines(output: string[]): Record<string, unknown>[] {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// One system for the three concerns: starting four processes is the expensive part.
describe('observability of a running system', () => {
  let system: LeadRelaySystem;
  let connection: ReturnType<typeof createRedisConnection>;
  let queues: QueueRegistry;
  const receiver = new WebhookReceiver();

  const healthUrl = (app: AppName, path: string) => `http://127.0.0.1:${system.apps[app].healthPort}${path}`;
  /** Intake serves /metrics on its internal port; the others on their health (admin: API) port. */
  const metricsUrl = (app: AppName) => (app === 'intake' ? `${system.intakeMetricsUrl}/metrics` : healthUrl(app, '/metrics'));
  /** The admin's, like the rest of its API, needs the admin token. */
  const scrapeHeaders = (app: AppName): Record<string, string> => (app === 'admin' ? { authorization: `Bearer ${testAdminToken}` } : {});
  const scrape = async (app: AppName) => {
    const response = await fetch(metricsUrl(app), { headers: scrapeHeaders(app) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  beforeAll(async () => {
    await receiver.start();
    // The worker says which request a lead came from at debug level.
    system = await startLeadRelaySystem({ LOG_LEVEL: 'debug' });
    connection = createRedisConnection(testRedisUrl, { role: 'producer', connectionName: 'observability-test' });
    queues = new QueueRegistry({ connection, prefix: system.queuePrefix });
  });

  afterAll(async () => {
    await queues?.close();
    connection?.disconnect();
    await system?.stop();
    await receiver.stop();
  });

  describe('request id', () => {
    it('follows one lead from intake through the worker to the dispatcher', async () => {
      const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', {
        name: 'Traced Leads',
        slug: 'traced',
        profile: 'canonical',
      });
      expect(partner.status).toBe(201);
      const destination = await adminRequest(system, 'POST', '/v1/destinations', { name: 'Traced CRM', url: receiver.url });
      expect(destination.status).toBe(201);

      const requestId = `trace-${randomUUID()}`;
      const submitted = await fetch(`${system.intakeUrl}/v1/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${partner.body.apiKey}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ email: 'traced.lead@example.com', firstName: 'Tracy' }),
      });
      expect(submitted.status).toBe(202);
      await waitFor(() => receiver.received.length > 0, { description: 'the webhook' });

      const linesWith = (app: AppName, key: string) =>
        logLines(system.apps[app].output).filter((line) => line[key] === requestId);
      // Fastify binds the request id as `reqId` on every line of the request.
      await waitFor(() => linesWith('intake', 'reqId').length > 0, { description: 'intake to log the request id' });
      await waitFor(() => linesWith('worker', 'requestId').length > 0, { description: 'the worker to log the request id' });
      await waitFor(() => linesWith('dispatcher', 'requestId').length > 0, {
        description: 'the dispatcher to log the request id with the delivery attempt',
      });

      // And the lead itself is nowhere in clear.
      for (const app of appNames) {
        const output = system.apps[app].output.join('');
        expect(output, `${app} logged the email`).not.toContain('traced.lead@example.com');
        expect(output, `${app} logged the name`).not.toContain('Tracy');
        expect(output, `${app} logged the API key`).not.toContain(partner.body.apiKey);
      }
    });
  });

  describe('/metrics', () => {
    it('is served by every app, with the default Node.js metrics and requests by route and status', async () => {
      for (const app of appNames) {
        const text = await scrape(app);
        expect(text, app).toContain('process_cpu_user_seconds_total');
        expect(text, app).toContain('nodejs_eventloop_lag_seconds');
        // Every app answered /readyz while the test waited for it to start.
        expect(text, app).toMatch(/leadrelay_http_requests_total\{method="GET",route="\/readyz",status_code="200"\} \d+/);
        expect(text, app).toMatch(/leadrelay_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/readyz",status_code="200"\}/);
      }
    });

    it('is not served to partners on the intake port, yet counts the requests made there', async () => {
      const publicAnswer = await fetch(`${system.intakeUrl}/metrics`);
      expect(publicAnswer.status).toBe(404);
      await fetch(`${system.intakeUrl}/v1/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const text = await scrape('intake');
      expect(text).toMatch(/leadrelay_http_requests_total\{method="POST",route="\/v1\/leads",status_code="401"\} [1-9]/);
      expect(text).toMatch(/leadrelay_http_requests_total\{method="GET",route="\(unmatched\)",status_code="404"\} [1-9]/);
    });

    it("answers the admin's only with the admin token", async () => {
      expect((await fetch(metricsUrl('admin'))).status).toBe(401);
      expect((await fetch(metricsUrl('admin'), { headers: { authorization: 'Bearer not-the-admin-token' } })).status).toBe(401);
      expect(await scrape('admin')).toContain('leadrelay_queue_jobs');
    });

    it('labels requests by route pattern, never by raw URL', async () => {
      const missing = randomUUID();
      const answer = await adminRequest(system, 'GET', `/v1/partners/${missing}`);
      expect(answer.status).toBe(404);
      const unknown = await fetch(`${system.adminUrl}/no/such/${missing}`);
      expect(unknown.status).toBe(404);

      const text = await scrape('admin');
      expect(text).toMatch(/leadrelay_http_requests_total\{method="GET",route="\/v1\/partners\/:id",status_code="404"\} [1-9]/);
      expect(text).toMatch(/leadrelay_http_requests_total\{method="GET",route="\(unmatched\)",status_code="404"\} [1-9]/);
      expect(text).not.toContain(missing);
    });

    it('reports queue depths by state from the admin, read from Redis at scrape time', async () => {
      const jobId = `broken-${randomUUID()}`;
      await queues.queue(queueNames.leads).add('persist-lead', { submissionId: 'not-a-uuid' }, { jobId, attempts: 1 });
      await waitFor(async () => (await queues.queue(queueNames.leads).getJob(jobId))?.failedReason, {
        description: 'the worker to fail the invalid job',
      });

      const failedCount = (text: string) => Number(/leadrelay_queue_jobs\{queue="leads",state="failed"\} (\d+)/.exec(text)?.[1]);
      const before = failedCount(await scrape('admin'));
      expect(before).toBeGreaterThanOrEqual(1);
      for (const queue of Object.values(queueNames)) {
        for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
          expect(await scrape('admin')).toMatch(new RegExp(`leadrelay_queue_jobs\\{queue="${queue}",state="${state}"\\} \\d+`));
        }
      }

      await queues.queue(queueNames.leads).add('persist-lead', { submissionId: 'also-not-a-uuid' }, { jobId: `${jobId}-2`, attempts: 1 });
      await waitFor(async () => failedCount(await scrape('admin')) === before + 1, { description: 'the depth to follow the queue' });
    });
  });

  describe('/readyz', () => {
    const readiness = async (app: AppName) => {
      const response = await fetch(healthUrl(app, '/readyz'));
      return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> } };
    };

    it.each([
      [queueNames.leads, ['intake', 'worker', 'admin']],
      [queueNames.deliveries, ['dispatcher', 'admin']],
    ] as [QueueName, AppName[]][])('is not_ready (503) naming the queue while %s is paused, and ready again after', async (queueName, apps) => {
      const queue = queues.queue(queueName);
      await queue.pause();
      try {
        for (const app of apps) {
          const { status, body } = await readiness(app);
          expect(status, app).toBe(503);
          expect(body.status).toBe('not_ready');
          expect(body.checks.queues).toEqual({ ok: false, detail: `paused: ${queueName}` });
          expect(body.checks.redis).toEqual({ ok: true });
          expect(body.checks.postgres).toEqual({ ok: true });
          // Alive all the same: a paused queue is an operator's decision, not a crash.
          expect((await fetch(healthUrl(app, '/healthz'))).status).toBe(200);
        }
      } finally {
        await queue.resume();
      }
      for (const app of apps) {
        expect(await readiness(app), app).toMatchObject({ status: 200, body: { status: 'ready' } });
      }
    });
  });
});
