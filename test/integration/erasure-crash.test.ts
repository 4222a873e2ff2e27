import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClaimLayout, identityKeys } from '@leadrelay/lead';
import { erasureFenceName } from '../../apps/worker/src/erasure-fence.ts';
import { findInPostgres, findInRedis } from '../support/personal-data-search.ts';
import { WorkerHarness } from '../support/worker-harness.ts';
import { waitFor } from '../support/wait-for.ts';

interface ErasureRow {
  status: string;
  counts: Record<string, number>;
}

// The worker killed in the middle of an erasure, restarted, and finishing it: real processes.
describe('an erasure when the worker is killed midway', () => {
  const harness = new WorkerHarness({ env: { ERASURE_POLL_INTERVAL: '100ms', WORKER_JOB_LOCK_DURATION: '2s', WORKER_STALLED_INTERVAL: '1s' } });
  const person = { email: 'crash.erasee@example.com', phone: '+14155550123', firstName: 'Crashilda', lastName: 'Vanishova' };
  let fence: pg.Client;

  beforeAll(async () => {
    await harness.setUp();
    fence = new pg.Client({ connectionString: harness.databaseUrl });
    await fence.connect();
  });

  afterAll(async () => {
    await fence?.end();
    await harness.close();
  });

  const erasureRow = async (id: string) =>
    (await harness.query<ErasureRow>('SELECT status::text AS status, counts FROM erasures WHERE id = $1', [id]))[0]!;

  it('is finished by the next worker, with every count, and nothing of the person left', async () => {
    const lead = harness.leadPayload({ ...person, consent: { text: `${person.firstName} agrees` }, activities: [{ type: 'note', description: `met ${person.lastName}` }] });
    await harness.enqueueLeads([lead]);
    const first = await harness.startWorkerProcess();
    await harness.waitForCompleted(1);
    // Intake's claims for the person, as it would have made them.
    const layout = new IdentityClaimLayout(harness.queuePrefix);
    for (const key of identityKeys(person)) {
      const slot = layout.slotOf(key);
      await harness.redis.hset(slot.key, slot.field, layout.encodeOwner(lead.leadId, harness.partner.id));
    }

    // Held here, the erasure fence stops the erasure after its Redis steps and before PostgreSQL:
    // the point the worker is killed at.
    await fence.query('SELECT pg_advisory_lock_shared(hashtext($1))', [erasureFenceName]);
    const erasureId = randomUUID();
    await harness.query("INSERT INTO erasures (id, reason, requested_by, email, phone) VALUES ($1, 'DSR-crash', 'test', $2, $3)", [erasureId, person.email, person.phone]);
    const midway = await waitFor(
      async () => {
        const row = await erasureRow(erasureId);
        return row.status === 'running' && row.counts.queuedJobs === 1 && row.counts.redisKeys === 2 ? row : undefined;
      },
      { description: 'the erasure past its Redis steps' },
    );
    await first.stop('SIGKILL');
    // Killed midway: the person is still in PostgreSQL, the erasure still running.
    expect(midway.counts.leads).toBe(0);
    expect((await harness.query('SELECT 1 FROM leads WHERE email = $1', [person.email])).length).toBe(1);
    expect((await erasureRow(erasureId)).status).toBe('running');
    await fence.query('SELECT pg_advisory_unlock_shared(hashtext($1))', [erasureFenceName]);

    const second = await harness.startWorkerProcess();
    const done = await waitFor(
      async () => {
        const row = await erasureRow(erasureId);
        return row.status === 'completed' ? row : undefined;
      },
      { timeoutMs: 30_000, description: 'the erasure completed by the restarted worker' },
    );
    // The first worker's Redis counts kept, the second's PostgreSQL ones added; nothing counted twice.
    expect(done.counts).toEqual({ leads: 1, submissions: 1, consents: 1, activities: 1, events: 1, deliveries: 0, attempts: 0, redisKeys: 2, queuedJobs: 1 });
    const needles = [person.email, person.phone, person.firstName, person.lastName];
    expect(await findInPostgres(fence, needles)).toEqual([]);
    expect(await findInRedis(harness.redis, harness.queuePrefix, needles)).toEqual([]);
    expect(await second.stop()).toBe(0);
  });
});
