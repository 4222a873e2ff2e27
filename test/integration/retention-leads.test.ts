import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * RETENTION_LEADS: the worker's sweep erases a lead untouched for that long, as an operator's
 * erasure does, but keeps nobody out: the person may come back as a new lead.
 */
describe('retention of leads (RETENTION_LEADS)', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  let apiKey = '';

  beforeAll(async () => {
    system = await startLeadRelaySystem({ RETENTION_LEADS: '30d', RETENTION_SWEEP_INTERVAL: '200ms', ERASURE_POLL_INTERVAL: '200ms' });
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: 'Retained', slug: 'retained', profile: 'canonical' });
    apiKey = partner.body.apiKey;
  });

  afterAll(async () => {
    await sql?.end();
    await system?.stop();
  });

  async function submit(email: string): Promise<{ leadId: string; status: string }> {
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, firstName: 'Ret', consent: { text: 'I agree', ip: '203.0.113.7', timestamp: '2026-01-02T03:04:05Z' } }),
    });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { results: { leadId: string; status: string }[] };
    return answer.results[0]!;
  }

  const stored = (leadId: string) =>
    waitFor(async () => (await sql.query('SELECT 1 FROM leads WHERE id = $1', [leadId])).rowCount === 1, { description: `lead ${leadId} stored` });

  it('erases a lead untouched past the setting, keeps a recent one, and lets the person come back', async () => {
    const old = await submit('retention-old@example.com');
    const recent = await submit('retention-recent@example.com');
    await stored(old.leadId);
    await stored(recent.leadId);
    await sql.query("UPDATE leads SET updated_at = now() - interval '31 days' WHERE id = $1", [old.leadId]);

    await waitFor(async () => (await adminRequest(system, 'GET', `/v1/leads/${old.leadId}`)).status === 410, {
      timeoutMs: 30_000,
      description: 'the old lead erased',
    });
    const tombstone = await sql.query('SELECT email, first_name, erased_at FROM leads WHERE id = $1', [old.leadId]);
    expect(tombstone.rows[0]).toMatchObject({ email: null, first_name: null, erased_at: expect.any(Date) });
    expect((await sql.query('SELECT count(*)::int AS count FROM consents WHERE lead_id = $1', [old.leadId])).rows[0].count).toBe(0);
    const erasure = await sql.query('SELECT reason, requested_by, suppress, status FROM erasures WHERE $1 = ANY (lead_ids)', [old.leadId]);
    expect(erasure.rows).toEqual([{ reason: 'retention: untouched longer than RETENTION_LEADS', requested_by: 'retention', suppress: false, status: 'completed' }]);
    expect((await sql.query('SELECT count(*)::int AS count FROM suppressions')).rows[0].count).toBe(0);

    expect((await adminRequest(system, 'GET', `/v1/leads/${recent.leadId}`)).status).toBe(200);

    // Not suppressed: the same person is a new lead, not a duplicate of the erased one.
    const back = await submit('retention-old@example.com');
    expect(back.status).toBe('created');
    expect(back.leadId).not.toBe(old.leadId);
    await stored(back.leadId);
  });
});
