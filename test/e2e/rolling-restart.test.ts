import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';
import type { SystemAppName as AppName } from '../support/leadrelay-system.ts';

/**
 * While leads keep arriving, each app in turn is stopped with SIGTERM and started again. Every
 * lead intake acknowledged must end up stored once and delivered once.
 */
describe('a rolling restart of every app while leads are flowing', () => {
  let system: LeadRelaySystem;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
    system = await startLeadRelaySystem();
  });

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  it('loses no acknowledged lead and stores and delivers each once', async () => {
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: 'Flow', slug: 'flow', profile: 'canonical', rateLimitPerMinute: 1_000_000 });
    await adminRequest(system, 'POST', '/v1/destinations', { name: 'CRM', url: receiver.url });

    const acknowledged = new Set<string>();
    let sent = 0;
    let flowing = true;
    // A steady trickle, not a flood: the point is leads in flight at every restart, and each
    // one must then be delivered in reasonable time on a small machine.
    const pacingMs = 20;
    const sender = async (lane: number) => {
      while (flowing) {
        await new Promise((resolve) => setTimeout(resolve, pacingMs));
        const batch = Array.from({ length: 2 }, () => ({ email: `lead-${lane}-${(sent += 1)}@example.com` }));
        try {
          const response = await fetch(`${system.intakeUrl}/v1/leads`, {
            method: 'POST',
            headers: { authorization: `Bearer ${partner.body.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify(batch),
          });
          if (response.status === 202) {
            const answer = (await response.json()) as { results: { leadId: string }[] };
            for (const result of answer.results) acknowledged.add(result.leadId);
          }
        } catch {
          // Intake is restarting: nothing was acknowledged, so nothing is owed.
        }
      }
    };
    const senders = [0, 1].map(sender);

    for (const name of ['worker', 'dispatcher', 'intake', 'admin'] as AppName[]) {
      const before = acknowledged.size;
      await waitFor(() => acknowledged.size > before + 20, { timeoutMs: 30_000, description: `leads flowing before restarting ${name}` });
      const exitCode = await system.apps[name].stop('SIGTERM');
      expect(exitCode, `${name} exit code after SIGTERM`).toBe(0);
      await system.apps[name].start();
    }
    const before = acknowledged.size;
    await waitFor(() => acknowledged.size > before + 20, { timeoutMs: 30_000, description: 'leads flowing after the restarts' });
    flowing = false;
    await Promise.all(senders);

    const sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    try {
      const ids = [...acknowledged];
      await waitFor(
        async () => (await sql.query('SELECT count(*)::int AS n FROM leads WHERE id = ANY($1::uuid[])', [ids])).rows[0].n === ids.length,
        { timeoutMs: 60_000, description: `all ${ids.length} acknowledged leads stored` },
      );
      const created = await sql.query(
        "SELECT lead_id, count(*)::int AS n FROM events WHERE type = 'created' AND lead_id = ANY($1::uuid[]) GROUP BY lead_id",
        [ids],
      );
      expect(created.rowCount).toBe(ids.length);
      expect(created.rows.every((row: { n: number }) => row.n === 1)).toBe(true);
      const deliveryCounts = async () =>
        JSON.stringify((await sql.query('SELECT status, count(*)::int AS n FROM deliveries GROUP BY status')).rows);
      await waitFor(
        async () =>
          (await sql.query("SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'")).rows[0].n >= ids.length,
        { timeoutMs: 90_000, description: `every one of ${ids.length} leads delivered` },
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}; deliveries by status: ${await deliveryCounts()}`);
      });
      const deliveredLeads = new Set(receiver.received.map((request) => JSON.parse(request.body.toString()).id as string));
      for (const id of ids) expect(deliveredLeads.has(id), `lead ${id} delivered`).toBe(true);
      const perEvent = await sql.query('SELECT event_id, count(*)::int AS n FROM deliveries GROUP BY event_id HAVING count(*) > 1');
      expect(perEvent.rowCount).toBe(0);
    } finally {
      await sql.end();
    }
    expect(sent).toBeGreaterThan(acknowledged.size - 1);
  }, 300_000);
});
