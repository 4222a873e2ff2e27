import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivatePostgres } from '../support/private-postgres.ts';
import { WorkerHarness } from '../support/worker-harness.ts';
import { waitFor } from '../support/wait-for.ts';

// PostgreSQL is stopped and started here, so the test runs its own server on a spare port:
// the shared one other tests use is never touched.
/** The event ids the fan-out jobs in the events queue carry, whatever their state (one `fan-out-events` job per committed batch). */
async function fanOutEventIds(harness: WorkerHarness): Promise<string[]> {
  const jobs = await harness.events.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
  return jobs.flatMap((job) => (job.data as { eventIds: string[] }).eventIds);
}

describe('the worker while PostgreSQL is down', () => {
  const postgres = new PrivatePostgres();
  let harness: WorkerHarness;

  beforeAll(async () => {
    await postgres.init();
    postgres.start();
    const databaseUrl = postgres.createMigratedDatabase('leadrelay_outage');
    harness = new WorkerHarness({
      databaseUrl,
      // Short retry delays would need another backoff; the test waits out the default 1 s, 2 s, 4 s...
      env: { OUTBOX_SWEEP_INTERVAL: '500ms', IDENTITY_CLAIMS_CHECK_INTERVAL: '1s' },
    });
    await harness.setUp();
  });

  afterAll(async () => {
    await harness?.close();
    postgres.destroy();
  });

  it('keeps the jobs, and stores every lead exactly once with its event when PostgreSQL is back', async () => {
    const worker = await harness.startWorkerProcess();
    const before = Array.from({ length: 2_000 }, (_, index) =>
      harness.leadPayload({ email: `before${index}@example.com`, activities: [{ type: 'visited', description: 'x' }] }),
    );
    await harness.enqueueLeads(before);
    // Stop PostgreSQL while the worker is busy with these.
    await waitFor(async () => (await harness.jobCounts()).completed > 0, { description: 'the worker to start storing' });
    postgres.stop();

    // Leads keep arriving while it is down: intake only needs Redis.
    const during = Array.from({ length: 500 }, (_, index) => harness.leadPayload({ email: `during${index}@example.com` }));
    const duplicates = before.slice(0, 50).map((lead, index) =>
      harness.leadPayload({ email: `before${index}@example.com`, firstName: 'Again' }, { leadId: lead.leadId, decision: 'duplicate' }),
    );
    await harness.enqueueLeads([...during, ...duplicates]);
    // The jobs that met the outage fail and wait for their retry; none fails for good.
    await waitFor(async () => (await harness.jobCounts()).delayed > 0, { description: 'jobs waiting for their retry' });
    expect((await harness.jobCounts()).failed).toBe(0);
    // What the LeadRelayWorkerPersistErrors alert sees: the failed transactions, counted as unavailable.
    const metrics = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    expect(Number(/^leadrelay_worker_persist_failures_total\{kind="unavailable"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);

    postgres.start();
    await harness.reconnect();
    const total = before.length + during.length + duplicates.length;
    const counts = await harness.waitForCompleted(total, 120_000);
    expect(counts.failed).toBe(0);

    const [stored] = await harness.query<{ submissions: string; distinct_submissions: string; leads: string; events: string; not_enqueued: string }>(
      `SELECT (SELECT count(*) FROM raw_submissions) AS submissions,
              (SELECT count(DISTINCT id) FROM raw_submissions) AS distinct_submissions,
              (SELECT count(*) FROM leads) AS leads,
              (SELECT count(*) FROM events) AS events,
              (SELECT count(*) FROM outbox_entries) AS not_enqueued`,
    );
    expect(stored).toEqual({
      submissions: String(total),
      distinct_submissions: String(total),
      leads: String(before.length + during.length),
      // created for each new lead, activity_added for none of the duplicates (they carry no activities).
      events: String(before.length + during.length),
      not_enqueued: expect.any(String),
    });
    await waitFor(async () => (await harness.query<{ n: string }>('SELECT count(*) AS n FROM outbox_entries'))[0]!.n === '0', {
      description: 'every event enqueued',
    });
    const eventIds = (await harness.query<{ id: string }>('SELECT id FROM events')).map((row) => row.id);
    const enqueued = new Set(await fanOutEventIds(harness));
    expect(eventIds.filter((id) => !enqueued.has(id))).toEqual([]);
    expect(enqueued.size).toBe(eventIds.length);

    expect(await worker.stop()).toBe(0);
  });
});
