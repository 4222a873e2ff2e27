import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTimeOrderedUuid } from '@leadrelay/db';
import { jobIdFor } from '@leadrelay/queue';
import type { AppProcess } from '../support/app-process.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { WorkerHarness } from '../support/worker-harness.ts';
import { waitFor } from '../support/wait-for.ts';

const maxPendingPerPartner = 3;

// Activities for a lead not stored wait in pending_submissions: for a day at most, and a few per partner.
describe('pending activities: expiry and the per-partner cap, on the real PostgreSQL and Redis', () => {
  const harness = new WorkerHarness();
  let worker: AppProcess;

  beforeAll(async () => {
    await harness.setUp();
    worker = await harness.startWorkerProcess({
      WORKER_PENDING_ACTIVITIES_MAX_PER_PARTNER: String(maxPendingPerPartner),
      // The default TTL (24h); the sweep runs often so the test need not wait a minute.
      WORKER_PENDING_ACTIVITIES_SWEEP_INTERVAL: '200ms',
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  const metric = async (name: string): Promise<number> => {
    const body = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
    const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(body);
    return match ? Number(match[1]) : 0;
  };
  const pendingOf = async (partnerId: string) =>
    Number((await harness.query<{ n: string }>('SELECT count(*) AS n FROM pending_submissions WHERE partner_id = $1', [partnerId]))[0]!.n);

  it('deletes pending activities stored longer ago than WORKER_PENDING_ACTIVITIES_TTL (24h), counts them, and keeps younger ones', async () => {
    const partnerId = harness.partner.id;
    // More than one statement's worth (500) of expired rows, and a few a little younger than the TTL.
    const insertPending = (count: number, age: string) =>
      harness.query(
        `INSERT INTO pending_submissions (id, lead_id, partner_id, payload, received_at, stored_at)
         SELECT gen_random_uuid(), gen_random_uuid(), $1::uuid, jsonb_build_object('partnerId', $1::text),
                (now() AT TIME ZONE 'UTC') - $3::interval, (now() AT TIME ZONE 'UTC') - $3::interval
         FROM generate_series(1, $2::int)`,
        [partnerId, count, age],
      );
    await insertPending(5, '23 hours');
    await insertPending(1_200, '25 hours');

    await waitFor(async () => (await pendingOf(partnerId)) === 5, { timeoutMs: 30_000, description: 'the expired pending rows deleted' });
    expect(await metric('leadrelay_worker_pending_activities_expired_total')).toBe(1_200);
    const left = await harness.query<{ older_than_a_day: boolean }>(
      `SELECT stored_at < (now() AT TIME ZONE 'UTC') - interval '24 hours' AS older_than_a_day FROM pending_submissions WHERE partner_id = $1`,
      [partnerId],
    );
    expect(left).toEqual(Array.from({ length: 5 }, () => ({ older_than_a_day: false })));
  });

  it('drops a partner\'s activities past WORKER_PENDING_ACTIVITIES_MAX_PER_PARTNER (the job completes), while another partner\'s are still kept', async () => {
    const flooding: TestPartner = await insertTestPartner(harness.databaseUrl, { slug: 'flooding', profile: 'canonical' });
    const other: TestPartner = await insertTestPartner(harness.databaseUrl, { slug: 'other', profile: 'canonical' });
    const activitiesOf = (partner: TestPartner) =>
      harness.activitiesPayload(newTimeOrderedUuid(), [{ type: 'note', description: 'Secret note' }], { partnerId: partner.id });

    const upToTheCap = Array.from({ length: maxPendingPerPartner }, () => activitiesOf(flooding));
    await harness.enqueueActivities(upToTheCap);
    await waitFor(async () => (await pendingOf(flooding.id)) === maxPendingPerPartner, { description: 'the first activities kept pending' });

    const pastTheCap = activitiesOf(flooding);
    await harness.enqueueActivities([pastTheCap]);
    const job = await waitFor(async () => {
      const found = await harness.leads.getJob(jobIdFor('submission', pastTheCap.submissionId));
      return found?.finishedOn !== undefined ? found : undefined;
    }, { description: 'the job past the cap finished' });
    expect(job.failedReason).toBeUndefined();
    expect(job.returnvalue).toEqual({ leadId: pastTheCap.leadId, outcome: 'dropped' });
    expect(await pendingOf(flooding.id)).toBe(maxPendingPerPartner);
    expect(await harness.query('SELECT 1 FROM pending_submissions WHERE id = $1', [pastTheCap.submissionId])).toEqual([]);
    expect(await metric('leadrelay_worker_pending_activities_dropped_total')).toBe(1);
    // Logged with ids only.
    // Through the worker's output pipe, which may be read after the job's completion.
    const logLine = await waitFor(() => worker.output.join('').split('\n').find((line) => line.includes(pastTheCap.submissionId)), {
      description: 'the worker to log the dropped submission',
    });
    expect(JSON.parse(logLine!)).toMatchObject({ level: 40, partnerId: flooding.id, submissionId: pastTheCap.submissionId });
    expect(logLine).not.toContain('Secret note');

    const otherPartners = activitiesOf(other);
    await harness.enqueueActivities([otherPartners]);
    await waitFor(async () => (await pendingOf(other.id)) === 1, { description: 'the other partner\'s activities kept pending' });
    expect(await metric('leadrelay_worker_pending_activities_dropped_total')).toBe(1);

    // A retried job of a row kept already is not dropped (it holds its place).
    await harness.enqueueRaw('append-activities', upToTheCap[0], { jobId: `again-${randomUUID()}` }).then((jobId) =>
      waitFor(async () => {
        const again = await harness.leads.getJob(jobId);
        return again?.finishedOn !== undefined ? again : undefined;
      }, { description: 'the retried job finished' }).then((again) => expect(again.returnvalue).toEqual({ leadId: upToTheCap[0]!.leadId, outcome: 'pending' })),
    );
    expect(await metric('leadrelay_worker_pending_activities_dropped_total')).toBe(1);
  });
});
