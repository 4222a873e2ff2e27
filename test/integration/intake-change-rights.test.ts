import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClaimLayout, identityKeys } from '@leadrelay/lead';
import { metricsRegistry } from '@leadrelay/observability';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Partners are strangers: by default a partner changes only leads it created or has itself
 * submitted before; a refused change is answered as the contract answers a duplicate and changes
 * nothing. Intake and the worker run here against the real Redis and PostgreSQL.
 */
describe('what a partner may change', () => {
  let harness: IntakeHarness;
  let owner: TestPartner;
  let stranger: TestPartner;
  let trusted: TestPartner;
  let alowareStranger: TestPartner;

  beforeAll(async () => {
    harness = await createIntakeHarness();
    const url = harness.database.url;
    owner = await insertTestPartner(url, { slug: 'owner', profile: 'canonical', rateLimitPerMinute: 1_000_000 });
    stranger = await insertTestPartner(url, { slug: 'evil', profile: 'canonical', rateLimitPerMinute: 1_000_000 });
    trusted = await insertTestPartner(url, { slug: 'trusted', profile: 'canonical', rateLimitPerMinute: 1_000_000, changeScope: 'any' });
    alowareStranger = await insertTestPartner(url, { slug: 'dialer', profile: 'aloware', rateLimitPerMinute: 1_000_000 });
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function submit(partner: TestPartner, lead: Record<string, unknown>, update: boolean): Promise<{ status: string; leadId: string }> {
    const response = await harness.app.inject({
      method: 'POST',
      url: `/v1/leads${update ? '?onDuplicate=update' : ''}`,
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify(lead),
    });
    expect(response.statusCode, response.body).toBe(202);
    return response.json().results[0];
  }

  async function storedLead(leadId: string, submissions: number) {
    return waitFor(
      async () => {
        const lead = await harness.sql.query<{ first_name: string | null; submissions: string }>(
          'SELECT first_name, (SELECT count(*) FROM raw_submissions WHERE lead_id = $1) AS submissions FROM leads WHERE id = $1',
          [leadId],
        );
        const row = lead.rows[0];
        return row && Number(row.submissions) === submissions ? row : undefined;
      },
      { description: `lead ${leadId} stored with ${submissions} submissions` },
    );
  }

  async function refusals(route: string): Promise<number> {
    const metric = await metricsRegistry.getSingleMetric('leadrelay_lead_changes_refused_total')?.get();
    return metric?.values.find((value) => value.labels.route === route && value.labels.stage === 'intake')?.value ?? 0;
  }

  async function queuedJobs(): Promise<number> {
    const counts = await harness.app.queues.queue('leads').getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  it("lets a partner update the lead it created, even before the worker stored it", async () => {
    // No worker yet: the lead exists only as intake's claim, which names its creator.
    const created = await submit(owner, { email: 'inflight@example.com', firstName: 'First' }, false);
    const updated = await submit(owner, { email: 'inflight@example.com', firstName: 'Second' }, true);
    expect(updated).toMatchObject({ status: 'updated', leadId: created.leadId });
    // Activities for the lead still on its way: intake cannot tell whose it is, the worker does.
    for (const partner of [stranger, owner]) {
      const answer = await harness.app.inject({
        method: 'POST',
        url: `/v1/leads/${created.leadId}/activities`,
        headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ activities: [{ type: 'note', description: `from ${partner.slug}` }] }),
      });
      expect(answer.statusCode).toBe(202);
    }
    await harness.startWorker();
    expect((await storedLead(created.leadId, 3)).first_name).toBe('Second');
    const activities = await waitFor(async () => {
      const rows = await harness.sql.query<{ description: string }>('SELECT description FROM activities WHERE lead_id = $1', [created.leadId]);
      return rows.rowCount === 1 ? rows.rows : undefined;
    }, { description: "the owner's activity stored" });
    expect(activities.map((row) => row.description)).toEqual(['from owner']);
    await waitFor(async () => {
      const metric = await metricsRegistry.getSingleMetric('leadrelay_lead_changes_refused_total')?.get();
      return metric?.values.some((value) => value.labels.stage === 'worker' && value.value === 1);
    }, { description: "the stranger's activities counted as refused by the worker" });
  });

  it("answers another partner's update as a duplicate, changes nothing, and counts it", async () => {
    const created = await submit(owner, { email: 'victim@example.com', firstName: 'Victim' }, false);
    await storedLead(created.leadId, 1);
    const before = await refusals('POST /v1/leads');
    const refused = await submit(stranger, { email: 'victim@example.com', firstName: 'Hijacked', phone: '+1 808 555 0100' }, true);
    expect(refused).toMatchObject({ status: 'duplicate', leadId: created.leadId });
    expect(await refusals('POST /v1/leads')).toBe(before + 1);
    // Its submission is stored as a duplicate of the lead: the lead itself is as it was.
    expect((await storedLead(created.leadId, 2)).first_name).toBe('Victim');
    const phone = await harness.sql.query('SELECT phone FROM leads WHERE id = $1', [created.leadId]);
    expect(phone.rows[0].phone).toBeNull();
    // The phone it sent was not claimed for the lead either.
    const phoneClaim = new IdentityClaimLayout(harness.queuePrefix).slotOf(identityKeys({ phone: '+18085550100' })[0]!);
    expect(await harness.app.redis.hgetBuffer(phoneClaim.key, phoneClaim.field)).toBeNull();
  });

  it('lets a partner that submitted the lead before, and one trusted with any lead, update it', async () => {
    const created = await submit(owner, { email: 'shared@example.com', firstName: 'Shared' }, false);
    await storedLead(created.leadId, 1);
    expect(await submit(stranger, { email: 'shared@example.com' }, false)).toMatchObject({ status: 'duplicate' });
    await storedLead(created.leadId, 2);
    expect(await submit(stranger, { email: 'shared@example.com', firstName: 'SeenBefore' }, true)).toMatchObject({ status: 'updated' });
    expect((await storedLead(created.leadId, 3)).first_name).toBe('SeenBefore');
    expect(await submit(trusted, { email: 'shared@example.com', firstName: 'Trusted' }, true)).toMatchObject({ status: 'updated' });
    expect((await storedLead(created.leadId, 4)).first_name).toBe('Trusted');
  });

  it("reads the creator from PostgreSQL when a claim does not name it (claims the worker put back)", async () => {
    const created = await submit(owner, { email: 'restored@example.com', firstName: 'Before' }, false);
    await storedLead(created.leadId, 1);
    const layout = new IdentityClaimLayout(harness.queuePrefix);
    const claim = layout.slotOf(identityKeys({ email: 'restored@example.com' })[0]!);
    await harness.app.redis.hset(claim.key, claim.field, layout.encodeOwner(created.leadId, null));
    expect(await submit(owner, { email: 'restored@example.com', firstName: 'After' }, true)).toMatchObject({ status: 'updated' });
    expect(await submit(stranger, { email: 'restored@example.com', firstName: 'Stranger' }, true)).toMatchObject({ status: 'duplicate' });
    expect((await storedLead(created.leadId, 3)).first_name).toBe('After');
  });

  it("answers aloware's force_update on another partner's contact as a duplicate (202)", async () => {
    const created = await submit(owner, { email: 'dialed@example.com', phone: '8181234567', firstName: 'Dialed' }, false);
    await storedLead(created.leadId, 1);
    const answer = await harness.app.inject({
      method: 'POST',
      url: '/v1/hooks/dialer',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ api_token: alowareStranger.apiKey, phone_number: '8181234567', first_name: 'Overwritten', force_update: true }),
    });
    expect(answer.statusCode).toBe(202);
    expect(answer.json()).toEqual({ message: 'Contact created.' });
    expect((await storedLead(created.leadId, 2)).first_name).toBe('Dialed');
  });

  it("drops activities for another partner's stored lead behind the usual 202, and queues the owner's", async () => {
    const created = await submit(owner, { email: 'active@example.com' }, false);
    await storedLead(created.leadId, 1);
    const post = (partner: TestPartner) =>
      harness.app.inject({
        method: 'POST',
        url: `/v1/leads/${created.leadId}/activities`,
        headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ activities: [{ type: 'note', description: 'written by someone' }] }),
      });
    const before = await queuedJobs();
    const refusedBefore = await refusals('POST /v1/leads/:leadId/activities');
    const refused = await post(stranger);
    expect(refused.statusCode).toBe(202);
    expect(refused.json()).toEqual({ leadId: created.leadId, accepted: 1 });
    expect(await queuedJobs()).toBe(before);
    expect(await refusals('POST /v1/leads/:leadId/activities')).toBe(refusedBefore + 1);

    expect((await post(owner)).statusCode).toBe(202);
    expect((await post(trusted)).statusCode).toBe(202);
    expect(await queuedJobs()).toBe(before + 2);
    await waitFor(async () => (await harness.sql.query('SELECT 1 FROM activities WHERE lead_id = $1', [created.leadId])).rowCount === 2, {
      description: "the owner's and the trusted partner's activities stored",
    });
  });
});
