import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.ts';
import { WorkerHarness } from '../support/worker-harness.ts';
import { waitFor } from '../support/wait-for.ts';

const dayMs = 86_400_000;

// The worker's own retention sweep, as a real process: on start and every RETENTION_SWEEP_INTERVAL,
// over PostgreSQL and the Redis queues, counted on /metrics.
describe("the worker's retention sweep", () => {
  const harness = new WorkerHarness();
  let worker: AppProcess;

  beforeAll(async () => {
    await harness.setUp();
    // The default retentions; the sweep runs often so the test need not wait ten minutes.
    worker = await harness.startWorkerProcess({ RETENTION_SWEEP_INTERVAL: '200ms', RETENTION_BATCH_SIZE: '2' });
  });

  afterAll(async () => {
    await harness.close();
  });

  const metric = async (kind: string): Promise<number> => {
    const body = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    const match = new RegExp(`^leadrelay_retention_swept_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(body);
    if (!match) throw new Error(`no leadrelay_retention_swept_total for ${kind} on /metrics`);
    return Number(match[1]);
  };

  /** Makes a finished job look `ageMs` old, as BullMQ judges it (its finishedOn and its score). */
  async function age(state: 'failed' | 'completed', jobId: string, ageMs: number): Promise<void> {
    const finishedOn = Date.now() - ageMs;
    await harness.redis.zadd(`${harness.queuePrefix}:leads:${state}`, finishedOn, jobId);
    await harness.redis.hset(`${harness.queuePrefix}:leads:${jobId}`, 'finishedOn', String(finishedOn));
  }

  it('counts every kind at 0 before it has removed anything', async () => {
    for (const kind of ['raw_submissions', 'event_documents', 'attempt_responses', 'failed_jobs', 'completed_jobs']) {
      expect(await metric(kind)).toBe(0);
    }
  });

  it('removes failed jobs older than RETENTION_FAILED_JOBS (14 days) and keeps younger ones for the operator', async () => {
    const jobIds: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      // Invalid payloads fail at once, for good, as a broken job would.
      jobIds.push(await harness.enqueueRaw('persist-lead', { submissionId: `not-a-uuid-${index}` }, { jobId: `invalid-${index}` }));
    }
    await waitFor(async () => (await harness.leads.getFailedCount()) === 5, { description: 'five invalid jobs failed' });
    for (const jobId of jobIds.slice(0, 3)) await age('failed', jobId, 15 * dayMs);
    await age('failed', jobIds[3]!, 13 * dayMs);

    await waitFor(async () => (await harness.leads.getFailedCount()) === 2, { timeoutMs: 30_000, description: 'the three old failed jobs removed' });
    expect((await harness.leads.getFailed()).map((job) => job.id).sort()).toEqual([jobIds[3], jobIds[4]]);
    expect(await harness.redis.exists(`${harness.queuePrefix}:leads:${jobIds[0]}`)).toBe(0);
    expect(await metric('failed_jobs')).toBe(3);
  });

  it('removes the payload of raw submissions older than RETENTION_RAW_SUBMISSIONS (90 days) and completed jobs past a day', async () => {
    const leads = [0, 1, 2].map((index) => harness.leadPayload({ email: `retention.${index}@example.com`, firstName: 'Ret' }));
    await harness.enqueueLeads(leads);
    await waitFor(
      async () =>
        (await harness.query<{ n: string }>('SELECT count(*) AS n FROM raw_submissions WHERE id = ANY($1::uuid[])', [leads.map((lead) => lead.submissionId)]))[0]!.n === '3' &&
        (await harness.leads.getCompletedCount()) === 3,
      { description: 'three leads stored, their jobs completed' },
    );
    const [old1, old2, young] = leads.map((lead) => lead.submissionId);
    await harness.query(`UPDATE raw_submissions SET received_at = received_at - interval '91 days' WHERE id = ANY($1::uuid[])`, [[old1, old2]]);
    const completed = await harness.leads.getCompleted();
    await age('completed', completed[0]!.id!, dayMs + 60_000);

    await waitFor(
      async () => (await harness.query('SELECT 1 FROM raw_submissions WHERE payload IS NULL')).length === 2 && (await harness.leads.getCompletedCount()) === 2,
      { timeoutMs: 30_000, description: 'two payloads and one completed job removed' },
    );
    const rows = await harness.query<{ id: string; has_payload: boolean; has_digest: boolean }>(
      'SELECT id, payload IS NOT NULL AS has_payload, payload_sha256 IS NOT NULL AS has_digest FROM raw_submissions WHERE id = ANY($1::uuid[])',
      [[old1, old2, young]],
    );
    expect(Object.fromEntries(rows.map((row) => [row.id, [row.has_payload, row.has_digest]]))).toEqual({
      [old1!]: [false, true],
      [old2!]: [false, true],
      [young!]: [true, false],
    });
    // The lead itself stays: lead retention (RETENTION_LEADS) is not part of this sweep.
    expect(await harness.query('SELECT 1 FROM leads WHERE id = ANY($1::uuid[])', [leads.map((lead) => lead.leadId)])).toHaveLength(3);
    expect(await metric('raw_submissions')).toBe(2);
    expect(await metric('completed_jobs')).toBe(1);
  });
});
