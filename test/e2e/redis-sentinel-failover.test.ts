import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { PrivateRedisSentinelSet, sentinelPrimaryName } from '../support/private-redis-sentinel.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The four apps on a Sentinel set (REDIS_SENTINELS): the primary is SIGKILLed while partners send
 * leads, the sentinels promote one of its two replicas, and the same app processes carry on against it.
 */
describe('LeadRelay on a Sentinel set when the primary dies', () => {
  const sentinels = new PrivateRedisSentinelSet();
  let system: LeadRelaySystem;
  let apiKey: string;

  beforeAll(async () => {
    await sentinels.start();
    // REDIS_URL names the first primary: an app that ignored the sentinels would stay on the dead server.
    system = await startLeadRelaySystem({ REDIS_URL: sentinels.primary.url, REDIS_SENTINELS: sentinels.sentinelsEnv, REDIS_SENTINEL_NAME: sentinelPrimaryName,
      // Acknowledged only once the replica has the job: asynchronous replication could otherwise lose it at the failover.
      REDIS_WAIT_REPLICAS: '1',
    });
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: 'Acme Leads', slug: 'acme', profile: 'canonical' });
    expect(partner.status).toBe(201);
    apiKey = partner.body.apiKey;
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await sentinels.destroy();
  });

  /** Sends one lead; the email if intake acknowledged it (202, created), undefined if it refused it (503 while Redis fails over). */
  async function send(email: string): Promise<string | undefined> {
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, firstName: 'Failover' }),
    }).catch(() => undefined);
    if (!response) return undefined;
    const body = (await response.json().catch(() => undefined)) as { results?: { status: string }[] } | undefined;
    if (response.status === 202 && body?.results?.[0]?.status === 'created') return email;
    expect(response.status).toBeGreaterThanOrEqual(500);
    return undefined;
  }

  it('promotes a replica, keeps the apps running and connected, and stores every acknowledged lead', async () => {
    const pids = Object.fromEntries(Object.entries(system.apps).map(([name, app]) => [name, app.pid]));
    const acknowledged: string[] = [];
    let sent = 0;
    const sendWave = async () => {
      const wave = await Promise.all(Array.from({ length: 10 }, () => send(`failover-${(sent += 1)}@example.com`)));
      acknowledged.push(...wave.filter((email): email is string => email !== undefined));
    };
    // Leads acknowledged before the kill...
    while (acknowledged.length < 100) await sendWave();
    const killedPort = sentinels.primary.port;
    const sending = (async () => {
      // ...while it dies...
      for (let wave = 0; wave < 5; wave += 1) await sendWave();
    })();
    await sentinels.primary.kill('SIGKILL');
    await sending;
    const replicaPorts = sentinels.replicas.map((replica) => replica.port);
    await waitFor(async () => replicaPorts.includes(await sentinels.primaryPort()), {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'the sentinels to promote a replica',
    });
    expect(replicaPorts).not.toContain(killedPort);
    // With REDIS_WAIT_REPLICAS=1 intake acknowledges again once the sentinels have made the other
    // replica follow the promoted one: the dead primary stays dead.
    // ...and after the failover, through the same processes.
    const beforeRecovery = acknowledged.length;
    await waitFor(
      async () => {
        await sendWave();
        return acknowledged.length >= beforeRecovery + 50;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'intake acknowledging leads again on the promoted replica' },
    );
    expect(Object.fromEntries(Object.entries(system.apps).map(([name, app]) => [name, app.pid]))).toEqual(pids);

    const sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    try {
      const stored = await waitFor(
        async () => {
          const { rows } = await sql.query<{ email: string }>('SELECT email FROM leads WHERE email = ANY($1::text[])', [acknowledged]);
          return rows.length === acknowledged.length ? rows : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, description: `all ${acknowledged.length} acknowledged leads stored` },
      );
      expect(new Set(stored.map((row) => row.email)).size).toBe(acknowledged.length);
    } finally {
      await sql.end();
    }
  }, 240_000); // The sum of its waits (failover, intake back, every lead stored): the default 60 s cut it short under a full suite's load.
});
