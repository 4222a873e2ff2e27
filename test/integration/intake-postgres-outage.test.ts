import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '@leadrelay/credentials';
import { AppProcess } from '../support/app-process.ts';
import { freePort } from '../support/free-port.ts';
import { PrivatePostgres } from '../support/private-postgres.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';
import { sovendusConsentText } from '../fixtures/seed-examples.ts';

// PostgreSQL is stopped and started here, so the test runs its own server on a spare port:
// the shared one other tests use is never touched. Redis stays up (the machine's, own prefix).
const partnerCacheTtlMs = 300;
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('intake while PostgreSQL is down', () => {
  const postgres = new PrivatePostgres();
  const queuePrefix = createQueuePrefix();
  let intake: AppProcess;
  let intakeUrl: string;
  let canonical: TestPartner;
  let sovendus: TestPartner;
  let sent = 0;

  beforeAll(async () => {
    await postgres.init();
    postgres.start();
    const databaseUrl = postgres.createMigratedDatabase('leadrelay_intake_outage');
    canonical = await insertTestPartner(databaseUrl, { slug: 'acme', profile: 'canonical' });
    sovendus = await insertTestPartner(databaseUrl, { slug: 'sovendus', profile: 'sovendus' });
    const [port, metricsPort] = await Promise.all([freePort(), freePort()]);
    intakeUrl = `http://127.0.0.1:${port}`;
    intake = new AppProcess(
      'intake',
      {
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        REDIS_URL: testRedisUrl,
        QUEUE_PREFIX: queuePrefix,
        INTAKE_HOST: '127.0.0.1',
        INTAKE_PORT: String(port),
        INTAKE_METRICS_PORT: String(metricsPort),
        PARTNER_CACHE_TTL: `${partnerCacheTtlMs}ms`,
      },
      metricsPort,
    );
    await intake.start();
  }, 120_000);

  afterAll(async () => {
    await intake?.stop();
    postgres.destroy();
    await deleteRedisKeys(queuePrefix);
  });

  /** A canonical lead with a new email each time; the answer's status and error code. */
  async function sendCanonical(apiKey: string): Promise<{ status: number; code?: string }> {
    const response = await fetch(`${intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `lead${sent++}@example.com` }),
    });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code };
  }

  /** A Sovendus GET lead (seed 001) with a new email each time. */
  async function sendSovendus(slug: string): Promise<{ status: number; code?: string }> {
    const query = new URLSearchParams({
      firstname: 'Erika',
      lastname: 'Mustermann',
      email: `erika${sent++}@example.de`,
      newsletter_history_id: String(sent),
      compliance_ip: '127.0.0.1',
      compliance_text: base64(sovendusConsentText),
      compliance_timestamp: base64('2023-09-01T11:58:27+02:00'),
    });
    const response = await fetch(`${intakeUrl}/v1/hooks/${slug}?${query}`, {
      headers: { authorization: `Basic ${Buffer.from(`${slug}:${sovendus.apiKey}`).toString('base64')}` },
    });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code };
  }

  function logLines(): { level: number; msg: string; line: string }[] {
    return intake.output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => ({ ...(JSON.parse(line) as { level: number; msg: string }), line }));
  }

  it('keeps answering known partners from their last good settings, 503 for what it cannot decide, never 500', async () => {
    // PostgreSQL up: known partners are accepted, an unknown key is 401 and an unknown slug 404.
    expect(await sendCanonical(canonical.apiKey)).toEqual({ status: 202 });
    expect((await sendSovendus('sovendus')).status).toBe(201);
    expect(await sendCanonical(generateApiKey())).toEqual({ status: 401, code: 'unauthorized' });
    expect((await sendSovendus('nobody')).status).toBe(404);

    // Both partners send without pause while PostgreSQL goes away under them.
    const answers = { canonical: [] as number[], sovendus: [] as number[] };
    let sending = true;
    const flow = (async () => {
      while (sending) {
        const [lead, hook] = await Promise.all([sendCanonical(canonical.apiKey), sendSovendus('sovendus')]);
        answers.canonical.push(lead.status);
        answers.sovendus.push(hook.status);
      }
    })();
    await waitFor(() => answers.canonical.length >= 5, { description: 'traffic before the outage' });
    postgres.stop();
    const answeredBeforeStop = answers.canonical.length;

    // Their cached settings expire (every TTL, 300 ms) and cannot be read again; the partners
    // keep sending for many TTLs.
    const stoppedAt = Date.now();
    await waitFor(() => answers.canonical.length >= answeredBeforeStop + 30 && Date.now() - stoppedAt >= 10 * partnerCacheTtlMs, {
      timeoutMs: 30_000,
      description: 'traffic during the outage, past the cache TTL',
    });

    // What it cannot decide while PostgreSQL is down: a key or slug it has never seen.
    const unknownKey = await sendCanonical(generateApiKey());
    const unknownSlug = await sendSovendus('nobody');
    sending = false;
    await flow;

    expect(answers.canonical.length).toBeGreaterThan(answeredBeforeStop);
    expect(answers.canonical.filter((status) => status !== 202)).toEqual([]);
    expect(answers.sovendus.filter((status) => status !== 201)).toEqual([]);
    expect(unknownKey).toEqual({ status: 503, code: 'service_unavailable' });
    expect(unknownSlug).toEqual({ status: 503, code: 'service_unavailable' });

    // Warned once for the outage, at warn level, with no credential or lead data in it.
    const staleLines = logLines().filter((entry) => /last good/.test(entry.msg));
    expect(staleLines).toHaveLength(1);
    const [stale] = staleLines;
    expect(stale!.level).toBe(40);
    expect(stale!.line).not.toContain(canonical.apiKey);
    expect(stale!.line).not.toContain('@example');
    expect(logLines().filter((entry) => entry.level >= 50 && /request failed/.test(entry.msg))).toEqual([]);

    // PostgreSQL back: intake reads again, and an unknown key is a 401 once more.
    postgres.start();
    await waitFor(async () => (await sendCanonical(generateApiKey())).status === 401, {
      timeoutMs: 30_000,
      description: 'an unknown key to be refused as unknown again',
    });
    expect(await sendCanonical(canonical.apiKey)).toEqual({ status: 202 });
  }, 120_000);
});
