import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { QueueRegistry, queueNames } from '@leadrelay/queue';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { PrivateRedis } from '../support/private-redis.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { waitFor } from '../support/wait-for.ts';

interface SubmitAnswer {
  results: { index: number; status: string; leadId?: string }[];
}

/**
 * Acknowledged means durable, on a Redis run as the README asks (AOF, appendfsync always): intake
 * acknowledges leads while the worker is held back, Redis is SIGKILLed with all of them still
 * queued and restarted from its files, and only then does the worker start.
 */
describe('acknowledged leads when Redis is killed before the worker took them', () => {
  const redis = new PrivateRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
  let harness: IntakeHarness;
  let partner: TestPartner;

  beforeAll(async () => {
    await redis.start();
    harness = await createIntakeHarness({ REDIS_URL: redis.url });
    partner = await insertTestPartner(harness.database.url, { slug: 'acme', profile: 'canonical' });
  });

  afterAll(async () => {
    await harness?.close();
    await redis.destroy();
  });

  const submit = async (payload: unknown): Promise<string[]> => {
    const response = await harness.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      payload: payload as object,
    });
    expect(response.statusCode, response.body).toBe(202);
    return (response.json() as SubmitAnswer).results.map((result) => {
      expect(result.status).toBe('created');
      return result.leadId!;
    });
  };

  const count = async (sql: string) => Number((await harness.sql.query<{ n: string }>(sql)).rows[0]!.n);

  it('stores every lead intake acknowledged exactly once', async () => {
    // Requests sent at the same moment, as partners send them: intake groups them into shared jobs.
    const acknowledged: string[] = [];
    for (let wave = 0; wave < 8; wave += 1) {
      const requests: Promise<string[]>[] = [];
      for (let index = 0; index < 25; index += 1) requests.push(submit({ email: `single-${wave}-${index}@example.com` }));
      requests.push(submit(Array.from({ length: 20 }, (_, index) => ({ email: `batch-${wave}-${index}@example.com`, firstName: 'Ann' }))));
      for (const leadIds of await Promise.all(requests)) acknowledged.push(...leadIds);
    }
    expect(acknowledged).toHaveLength(8 * 45);
    expect(await count('SELECT count(*) AS n FROM raw_submissions')).toBe(0);

    await redis.kill('SIGKILL');
    await redis.start();

    await harness.startWorker();
    const control = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queues = new QueueRegistry({ connection: control, prefix: harness.queuePrefix });
    try {
      const leads = queues.queue(queueNames.leads);
      await waitFor(
        async () => {
          const jobs = await leads.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
          // Nothing waiting or being processed: everything Redis kept has been stored.
          return Object.values(jobs).reduce((sum, value) => sum + value, 0) === 0;
        },
        { timeoutMs: 60_000, intervalMs: 100, description: 'the worker to have taken every queued job' },
      );
    } finally {
      await queues.close();
      control.disconnect();
    }

    const stored = await harness.sql.query<{ id: string; submissions: string }>(
      `SELECT leads.id, (SELECT count(*) FROM raw_submissions WHERE raw_submissions.lead_id = leads.id) AS submissions FROM leads`,
    );
    expect(stored.rows.map((row) => row.id).sort()).toEqual([...acknowledged].sort());
    expect(stored.rows.filter((row) => row.submissions !== '1')).toEqual([]);
    expect(await count('SELECT count(*) AS n FROM raw_submissions')).toBe(acknowledged.length);
    // Intake's claims survived too: no acknowledged id had to be mapped onto another lead.
    expect(await count('SELECT count(*) AS n FROM lead_aliases')).toBe(0);
  });
});
