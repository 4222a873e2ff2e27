import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTimeOrderedUuid } from '@leadrelay/db';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { waitFor } from '../support/wait-for.ts';

describe('canonical lead API (POST /v1/leads)', () => {
  let harness: IntakeHarness;
  let partner: TestPartner;

  beforeAll(async () => {
    harness = await createIntakeHarness();
    partner = await insertTestPartner(harness.database.url, { slug: 'acme', profile: 'canonical' });
    await harness.startWorker();
  });

  afterAll(async () => {
    await harness?.close();
  });

  const submit = (body: unknown, headers: Record<string, string> = {}, query = '') =>
    harness.app.inject({
      method: 'POST',
      url: `/v1/leads${query}`,
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    });

  it('accepts the valid items of a batch, rejects the rest with paths, and answers in order', async () => {
    const response = await submit([
      { email: 'ann@example.com', firstName: 'Ann' },
      { email: 'not-an-email' },
      { phone: '+49 30 901820', firstName: 'Bernd' },
      { firstName: 'Nobody' },
    ]);
    expect(response.statusCode).toBe(202);
    const answer = response.json();
    expect(answer.counts).toEqual({ created: 2, duplicate: 0, updated: 0, rejected: 2 });
    expect(answer.results.map((result: { index: number; status: string }) => [result.index, result.status])).toEqual([
      [0, 'created'],
      [1, 'rejected'],
      [2, 'created'],
      [3, 'rejected'],
    ]);
    expect(answer.results[1].errors).toEqual([{ path: 'email', message: 'is not a valid email address' }]);
    expect(answer.results[3].errors[0].message).toMatch(/email or phone/);
    await waitFor(async () => (await harness.sql.query('SELECT 1 FROM leads')).rowCount === 2, { description: 'both leads stored' });
  });

  it('answers 400 when every item is rejected or the batch is empty, and accepts the X-API-Key header', async () => {
    expect((await submit([])).statusCode).toBe(400);
    const allBad = await submit([{ email: 'x' }], { authorization: '', 'x-api-key': partner.apiKey });
    expect(allBad.statusCode).toBe(400);
    expect(allBad.json().counts.rejected).toBe(1);
  });

  it('gives exactly one "created" to 50 concurrent submissions of one new email, and stores one lead', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => submit({ email: 'Race@Example.com', firstName: 'Race' })),
    );
    const statuses = responses.map((response) => response.json().results[0].status);
    expect(statuses.filter((status) => status === 'created')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(49);
    const leadIds = new Set(responses.map((response) => response.json().results[0].leadId));
    expect(leadIds.size).toBe(1);
    const [leadId] = [...leadIds];
    await waitFor(async () => (await harness.sql.query('SELECT 1 FROM raw_submissions WHERE lead_id = $1', [leadId])).rowCount === 50, {
      description: 'all 50 submissions recorded',
    });
    const leads = await harness.sql.query("SELECT id FROM leads WHERE email = 'race@example.com'");
    expect(leads.rows).toEqual([{ id: leadId }]);
  });

  it('takes a composed and a decomposed "josé", or one with a zero-width space, for one person, and stores the composed form', async () => {
    const composed = 'jos\u00e9@example.com';
    const created = await submit({ email: composed, firstName: 'José' });
    expect(created.json().results[0].status).toBe('created');
    const decomposed = await submit({ email: 'jose\u0301@example.com' });
    const leadId = created.json().results[0].leadId;
    expect(decomposed.json().results[0]).toMatchObject({ status: 'duplicate', leadId });
    const zeroWidth = await submit({ email: 'jo\u200bs\u00e9@example.com' });
    expect(zeroWidth.json().results[0]).toMatchObject({ status: 'duplicate', leadId });
    await waitFor(async () => (await harness.sql.query('SELECT 1 FROM raw_submissions WHERE lead_id = $1', [leadId])).rowCount === 3, {
      description: 'all three submissions recorded',
    });
    const leads = await harness.sql.query("SELECT email FROM leads WHERE email LIKE 'jo%@example.com'");
    expect(leads.rows).toEqual([{ email: composed }]);
  });

  it("records a caller's short, plain X-Request-Id with the lead's event, and a new id instead of a 12 KB one", async () => {
    const plain = await submit({ email: 'traced@example.com' }, { 'x-request-id': 'partner-trace-42' });
    const long = await submit({ email: 'long-trace@example.com' }, { 'x-request-id': 'x'.repeat(12 * 1024) });
    const requestIdOf = async (response: typeof plain) => {
      const leadId = response.json().results[0].leadId;
      let requestId: string | undefined;
      await waitFor(
        async () => {
          requestId = (await harness.sql.query('SELECT request_id FROM events WHERE lead_id = $1', [leadId])).rows[0]?.request_id;
          return requestId !== undefined;
        },
        { description: "the lead's event stored" },
      );
      return requestId;
    };
    expect(await requestIdOf(plain)).toBe('partner-trace-42');
    expect(await requestIdOf(long)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('replays the first answer for a retried Idempotency-Key and refuses the key with another body', async () => {
    const body = { email: 'idem@example.com' };
    const first = await submit(body, { 'idempotency-key': 'retry-1' });
    const second = await submit(body, { 'idempotency-key': 'retry-1' });
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotency-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(first.json().results[0].status).toBe('created');

    const reused = await submit({ email: 'other@example.com' }, { 'idempotency-key': 'retry-1' });
    expect(reused.statusCode).toBe(422);
    await waitFor(async () => (await harness.sql.query("SELECT 1 FROM leads WHERE email = 'idem@example.com'")).rowCount === 1);
    const submissions = await harness.sql.query(
      "SELECT count(*)::int AS n FROM raw_submissions r JOIN leads l ON l.id = r.lead_id WHERE l.email = 'idem@example.com'",
    );
    expect(submissions.rows[0].n).toBe(1);
  });

  it('turns a duplicate into an update with ?onDuplicate=update, replacing only the fields sent', async () => {
    const created = await submit({ email: 'upd@example.com', firstName: 'Old', city: 'Berlin' });
    const leadId = created.json().results[0].leadId;
    await waitFor(async () => (await harness.sql.query('SELECT 1 FROM leads WHERE id = $1', [leadId])).rowCount === 1);
    const kept = await submit({ email: 'UPD@example.com', firstName: 'Ignored' });
    expect(kept.json().results[0]).toMatchObject({ status: 'duplicate', leadId });
    const updated = await submit({ email: 'upd@example.com', firstName: 'New' }, {}, '?onDuplicate=update');
    expect(updated.json().results[0]).toMatchObject({ status: 'updated', leadId });
    await waitFor(async () => {
      const row = (await harness.sql.query('SELECT first_name, city FROM leads WHERE id = $1', [leadId])).rows[0];
      return row.first_name === 'New' ? row : undefined;
    }).then((row) => expect(row).toEqual({ first_name: 'New', city: 'Berlin' }));
  });

  it('appends activities to a stored lead and keeps those for a lead not stored yet', async () => {
    const created = await submit({ email: 'act@example.com' });
    const leadId = created.json().results[0].leadId;
    const appended = await harness.app.inject({
      method: 'POST',
      url: `/v1/leads/${leadId}/activities`,
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      payload: { activities: [{ type: 'property_viewed', description: 'Viewed 12 Main St', property: { mls: '123' } }] },
    });
    expect(appended.statusCode).toBe(202);
    expect(appended.json()).toEqual({ leadId, accepted: 1 });
    await waitFor(async () => (await harness.sql.query("SELECT 1 FROM activities WHERE lead_id = $1 AND type = 'property_viewed'", [leadId])).rowCount === 1, {
      description: 'the activity stored',
    });

    const badTimestamp = await harness.app.inject({
      method: 'POST',
      url: `/v1/leads/${leadId}/activities`,
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      payload: { activities: [{ type: 'note', description: 'x', createdAt: 'yesterday' }] },
    });
    expect(badTimestamp.statusCode).toBe(400);
    expect(badTimestamp.json().error.details).toEqual([{ path: 'activities.0.createdAt', message: 'must be an ISO 8601 timestamp' }]);
  });

  it('takes activities only for lead ids LeadRelay could have issued: a v7 id of now, or a stored lead or alias', async () => {
    const appendTo = (leadId: string) =>
      harness.app.inject({
        method: 'POST',
        url: `/v1/leads/${leadId}/activities`,
        headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
        payload: { activities: [{ type: 'note', description: 'called back' }] },
      });
    // A lead stored before lead ids were v7, and an alias (a random id too) merged into it.
    const legacyLeadId = randomUUID();
    const legacyAliasId = randomUUID();
    await harness.sql.query(`INSERT INTO leads (id, email, partner_id) VALUES ($1, 'legacy@example.com', $2)`, [legacyLeadId, partner.id]);
    await harness.sql.query('INSERT INTO lead_aliases (id, lead_id) VALUES ($1, $2)', [legacyAliasId, legacyLeadId]);

    // A lead on its way (issued a moment ago, maybe not stored yet) and the stored legacy lead.
    for (const leadId of [newTimeOrderedUuid(), legacyLeadId, legacyAliasId]) {
      const accepted = await appendTo(leadId);
      expect(accepted.statusCode, leadId).toBe(202);
      expect(accepted.json()).toEqual({ leadId, accepted: 1 });
    }
    await waitFor(async () => (await harness.sql.query("SELECT 1 FROM activities WHERE lead_id = $1 AND type = 'note'", [legacyLeadId])).rowCount === 2, {
      description: 'both activities stored on the legacy lead',
    });

    const never = [
      randomUUID(), // a v4 id of no stored lead
      newTimeOrderedUuid(Date.now() + 10 * 60_000), // a v7 id from ten minutes ahead
      newTimeOrderedUuid(Date.UTC(2020, 0, 1)), // a v7 id from before LeadRelay issued any
      '00000000-0000-0000-0000-000000000000',
    ];
    for (const leadId of never) {
      const refused = await appendTo(leadId);
      expect(refused.statusCode, leadId).toBe(404);
      expect(refused.json()).toEqual({ error: { code: 'not_found', message: 'no such lead' } });
    }
    const queued = await harness.app.queues.queue('leads').getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
    expect(queued.filter((job) => never.includes((job.data as { leadId?: string }).leadId ?? ''))).toEqual([]);
  });

  it('refuses a disabled partner with 403 and an unknown key with 401', async () => {
    const disabled = await insertTestPartner(harness.database.url, { slug: 'gone', profile: 'canonical', disabled: true });
    const forbidden = await harness.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: `Bearer ${disabled.apiKey}`, 'content-type': 'application/json' },
      payload: { email: 'a@b.co' },
    });
    expect(forbidden.statusCode).toBe(403);
    const unknown = await harness.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: 'Bearer lr_unknown', 'content-type': 'application/json' },
      payload: { email: 'a@b.co' },
    });
    expect(unknown.statusCode).toBe(401);
  });
});

describe('partner rate limit', () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await createIntakeHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('answers 429 with Retry-After past the partner limit, counted per partner', async () => {
    const limited = await insertTestPartner(harness.database.url, { slug: 'limited', profile: 'canonical', rateLimitPerMinute: 3 });
    const other = await insertTestPartner(harness.database.url, { slug: 'other', profile: 'canonical', rateLimitPerMinute: 3 });
    const send = (apiKey: string, index: number) =>
      harness.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        payload: { email: `rl${index}-${apiKey.slice(-4)}@example.com` },
      });
    const statuses = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await send(limited.apiKey, index)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const refused = await send(limited.apiKey, 9);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().error.code).toBe('rate_limited');
    expect((await send(other.apiKey, 0)).statusCode).toBe(202);
  });

  it('lets exactly the limit through when requests arrive at once (counted together in one call)', async () => {
    const burst = await insertTestPartner(harness.database.url, { slug: 'burst', profile: 'canonical', rateLimitPerMinute: 5 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        harness.app.inject({
          method: 'POST',
          url: '/v1/leads',
          headers: { authorization: `Bearer ${burst.apiKey}`, 'content-type': 'application/json' },
          payload: { email: `burst${index}@example.com` },
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.statusCode).sort();
    expect(statuses).toEqual([...Array(5).fill(202), ...Array(7).fill(429)]);
    // The remaining count each accepted request was told runs 4, 3, 2, 1, 0: one number each.
    const remaining = answers.filter((answer) => answer.statusCode === 202).map((answer) => Number(answer.headers['x-ratelimit-remaining']));
    expect(remaining.sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
