import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedisCluster } from '../support/private-redis-cluster.ts';
import { WorkerHarness } from '../support/worker-harness.ts';
import { waitFor } from '../support/wait-for.ts';

/** The event ids the fan-out jobs in the events queue carry, whatever their state (one `fan-out-events` job per committed batch). */
async function fanOutEventIds(harness: WorkerHarness): Promise<string[]> {
  const jobs = await harness.events.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
  return jobs.flatMap((job) => (job.data as { eventIds: string[] }).eventIds);
}

// A killed worker's jobs come back to the queue once their locks expire; short locks keep the test short.
const crashEnv = { WORKER_JOB_LOCK_DURATION: '2s', WORKER_STALLED_INTERVAL: '1s', OUTBOX_SWEEP_INTERVAL: '500ms' };

// On the shared Redis and on a 3-primary Redis Cluster of the test's own (BullMQ under a hash-tagged prefix there).
describe.each([
  { redis: 'a single Redis', makeCluster: undefined },
  { redis: 'a Redis Cluster', makeCluster: () => new PrivateRedisCluster(3) },
])('the worker killed or stopped in the middle of its work, on $redis', ({ makeCluster }) => {
  const cluster = makeCluster?.();
  const harness = new WorkerHarness({ env: crashEnv, ...(cluster ? { cluster } : {}) });

  beforeAll(async () => {
    await cluster?.start();
    await harness.setUp();
  }, 120_000);

  afterAll(async () => {
    await harness.close();
    await cluster?.destroy();
  });

  const relayedEventCount = async () =>
    Number((await harness.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE id NOT IN (SELECT event_id FROM outbox_entries)'))[0]!.n);
  const storedCount = async () => Number((await harness.query<{ n: string }>('SELECT count(*) AS n FROM raw_submissions'))[0]!.n);

  /** Every accepted submission stored exactly once, every lead once, every event in a fan-out job in Redis. */
  async function expectEverythingStoredOnce(submissions: number, leads: number): Promise<void> {
    const [stored] = await harness.query<{ submissions: string; distinct_submissions: string; leads: string; distinct_emails: string }>(
      `SELECT (SELECT count(*) FROM raw_submissions) AS submissions, (SELECT count(DISTINCT id) FROM raw_submissions) AS distinct_submissions,
              (SELECT count(*) FROM leads) AS leads, (SELECT count(DISTINCT email) FROM leads) AS distinct_emails`,
    );
    expect(stored).toEqual({
      submissions: String(submissions),
      distinct_submissions: String(submissions),
      leads: String(leads),
      distinct_emails: String(leads),
    });
    // One event per submission that records one, never two for the same submission and type.
    const duplicates = await harness.query('SELECT submission_id, type FROM events GROUP BY 1, 2 HAVING count(*) > 1');
    expect(duplicates).toEqual([]);
    await waitFor(async () => (await harness.query<{ n: string }>('SELECT count(*) AS n FROM outbox_entries'))[0]!.n === '0', {
      description: 'every event off the outbox list',
    });
    // An event may be in two jobs (the sweep regroups what a crash left behind); fan-out makes its deliveries once.
    const eventIds = (await harness.query<{ id: string }>('SELECT id FROM events')).map((row) => row.id).sort();
    expect([...new Set(await fanOutEventIds(harness))].sort()).toEqual(eventIds);
  }

  it('loses nothing and stores nothing twice when killed with SIGKILL mid-batch and restarted', async () => {
    const leads = Array.from({ length: 4_000 }, (_, index) =>
      harness.leadPayload({ email: `kill${index}@example.com`, consent: { text: 'yes' }, activities: [{ type: 'visited', description: `visit ${index}` }] }),
    );
    const duplicates = leads.slice(0, 200).map((lead, index) =>
      harness.leadPayload(
        { email: `kill${index}@example.com`, activities: [{ type: 'note', description: 'again' }] },
        { leadId: lead.leadId, decision: 'duplicate' },
      ),
    );
    await harness.enqueueLeads([...leads, ...duplicates]);
    const total = leads.length + duplicates.length;

    const first = await harness.startWorkerProcess();
    // Some batches committed and at least one of them relayed: the kill may land between a commit
    // and its relay, so a relayed batch is waited for rather than assumed.
    await waitFor(async () => (await storedCount()) >= 500 && (await relayedEventCount()) > 0, {
      timeoutMs: 60_000,
      description: 'some batches committed and relayed',
    });
    await first.stop('SIGKILL');
    // Killed with work left: jobs it held are still active in Redis, their locks running out.
    expect(await storedCount()).toBeLessThan(total);

    // A crash between a commit and its enqueue, as the outbox sweep must repair it: the events of a
    // committed batch still on the outbox list, and their fan-out job not in Redis.
    const [firstEvent] = await harness.query<{ id: string }>(
      'SELECT id FROM events WHERE id NOT IN (SELECT event_id FROM outbox_entries) ORDER BY sequence LIMIT 1',
    );
    const jobs = await harness.events.getJobs(['waiting', 'prioritized', 'delayed']);
    const lost = jobs.find((job) => (job.data as { eventIds: string[] }).eventIds.includes(firstEvent!.id))!;
    const leftBehind = (lost.data as { eventIds: string[] }).eventIds;
    await harness.query(
      `INSERT INTO outbox_entries (event_id, created_at) SELECT id, created_at - interval '1 minute' FROM events WHERE id = ANY($1::uuid[])`,
      [leftBehind],
    );
    await harness.events.remove(lost.id!);

    const second = await harness.startWorkerProcess();
    const counts = await harness.waitForCompleted(Math.min(total, 10_000), 120_000);
    expect(counts.failed).toBe(0);
    await expectEverythingStoredOnce(total, leads.length);
    expect(await second.stop()).toBe(0);
  });

  it('finishes or hands back its jobs on SIGTERM and exits cleanly, within its shutdown timeout', async () => {
    const before = await storedCount();
    const leads = Array.from({ length: 3_000 }, (_, index) => harness.leadPayload({ email: `term${index}-${randomUUID()}@example.com` }));
    await harness.enqueueLeads(leads);
    // Locks of the usual length, for both workers: the 2 s ones the crash test uses can run out on a
    // busy machine while a batch is written (its event loop held up), which leaves jobs active for
    // the next stalled check and retries them with growing backoff: not what this test is about.
    const usualLocks = { WORKER_JOB_LOCK_DURATION: '30s', WORKER_STALLED_INTERVAL: '30s' };
    const worker = await harness.startWorkerProcess({ WORKER_SHUTDOWN_TIMEOUT: '20s', ...usualLocks });
    await waitFor(async () => (await storedCount()) > before, { timeoutMs: 60_000, description: 'the worker to start storing' });
    // Exit code 0: stopped by itself; the shutdown timer would have exited with 1.
    expect(await worker.stop('SIGTERM')).toBe(0);
    // Nothing left held by the stopped worker: in-flight jobs were finished, not abandoned.
    expect((await harness.jobCounts()).active).toBe(0);

    const restarted = await harness.startWorkerProcess(usualLocks);
    await waitFor(async () => (await storedCount()) === before + leads.length, { timeoutMs: 120_000, description: 'the rest stored' });
    const pending = await harness.jobCounts();
    await waitFor(async () => {
      const counts = await harness.jobCounts();
      return counts.waiting + counts.active + counts.delayed === 0;
    }, { description: 'the queue drained' });
    expect(pending.failed).toBe(0);
    expect(await restarted.stop()).toBe(0);
  });
});
