import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHotwireRequest } from '@leadrelay/signing';
import { normalizeCanonicalLead } from '@leadrelay/lead';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';

/** `{"a":{"a":…1…}}`, `levels` objects deep, as a JSON text (no JavaScript recursion to build it). */
function nestedJson(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/**
 * Partners are strangers: what one partner sends must not fail another's requests, even when
 * their requests are answered together (one claim script, one job for all of them).
 */
describe('intake keeps partners from sharing fate', () => {
  let harness: IntakeHarness;
  let honest: TestPartner;
  let hostile: TestPartner;
  const hookPartners: Record<string, TestPartner> = {};

  beforeAll(async () => {
    harness = await createIntakeHarness();
    honest = await insertTestPartner(harness.database.url, { slug: 'honest', profile: 'canonical', rateLimitPerMinute: 1_000_000 });
    hostile = await insertTestPartner(harness.database.url, { slug: 'hostile', profile: 'canonical', rateLimitPerMinute: 1_000_000 });
    for (const profile of ['hotwire', 'sovendus', 'aloware'] as const) {
      hookPartners[profile] = await insertTestPartner(harness.database.url, { slug: `hook-${profile}`, profile, rateLimitPerMinute: 1_000_000 });
    }
  });

  afterAll(async () => {
    await harness?.close();
  });

  function postLeads(partner: TestPartner, payload: string) {
    return harness.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      payload,
    });
  }

  async function queuedJobs(): Promise<number> {
    const counts = await harness.app.queues.queue('leads').getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  it('answers a lead nested too deeply, or with a huge array, 400 naming the path, and queues nothing', async () => {
    const before = await queuedJobs();
    const deep = await postLeads(hostile, `{"email":"deep@example.com","activities":[{"type":"t","description":"d","property":${nestedJson(5000)}}]}`);
    expect(deep.statusCode).toBe(400);
    const deepError = deep.json().results[0].errors[0];
    expect(deepError.path).toMatch(/^activities\.0\.property(\.a)+$/);
    expect(deepError.message).toMatch(/nests too deeply/);

    const wide = await postLeads(hostile, JSON.stringify({ email: 'wide@example.com', activities: [{ type: 't', description: 'd', property: { list: new Array(100_000).fill(1) } }] }));
    expect(wide.statusCode).toBe(400);
    expect(wide.json().results[0].errors).toEqual([{ path: 'activities.0.property.list', message: 'must have at most 1000 elements' }]);

    // A field the canonical schema does not read is still stored as sent, so it is bounded too.
    const unread = await postLeads(hostile, `{"email":"unread@example.com","junk":${nestedJson(50)}}`);
    expect(unread.statusCode).toBe(400);
    expect(unread.json().results[0].errors[0].path).toMatch(/^junk(\.a)+$/);

    const manyKeys = Object.fromEntries(Array.from({ length: 500 }, (_, index) => [`k${index}`, index]));
    const custom = await postLeads(hostile, JSON.stringify({ email: 'custom@example.com', custom: manyKeys }));
    expect(custom.json().results[0].errors).toEqual([{ path: 'custom', message: 'must have at most 200 keys' }]);

    const activities = await harness.app.inject({
      method: 'POST',
      url: '/v1/leads/0190a5e2-8b3c-7d4e-9f00-123456789abc/activities',
      headers: { authorization: `Bearer ${hostile.apiKey}`, 'content-type': 'application/json' },
      payload: `{"activities":[{"type":"t","description":"d","property":${nestedJson(100)}}]}`,
    });
    expect(activities.statusCode).toBe(400);
    expect(activities.json().error.details[0].path).toMatch(/^activities\.0\.property(\.a)+$/);
    expect(await queuedJobs()).toBe(before);
  });

  it('holds every hook contract to the same bounds, in its own answer shape', async () => {
    const before = await queuedJobs();
    const deep = JSON.parse(nestedJson(40)) as unknown;
    const hotwire = hookPartners.hotwire!;
    const sig = signHotwireRequest(hotwire.apiKey, hotwire.secret, Math.floor(Date.now() / 1000));
    const hotwireAnswer = await harness.app.inject({
      method: 'POST',
      url: `/v1/hooks/hook-hotwire?apiKey=${hotwire.apiKey}&sig=${sig}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([{ firstName: 'John', email: 'hot@example.com', extra: deep }]),
    });
    expect(hotwireAnswer.statusCode).toBe(200);
    expect(hotwireAnswer.json()[0]).toMatchObject({ responseCodes: 'USER_NOT_CREATED' });
    expect(hotwireAnswer.json()[0].reason).toMatch(/extra(\.a)+ nests too deeply/);

    const sovendusAnswer = await harness.app.inject({
      method: 'POST',
      url: '/v1/hooks/hook-sovendus',
      headers: { 'x-api-key': hookPartners.sovendus!.apiKey, 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'sov@example.de', firstname: 'Erika', sov_id: '1', extra: deep }),
    });
    expect(sovendusAnswer.statusCode).toBe(400);
    expect(sovendusAnswer.body).toMatch(/nests too deeply/);

    const alowareAnswer = await harness.app.inject({
      method: 'POST',
      url: '/v1/hooks/hook-aloware',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ api_token: hookPartners.aloware!.apiKey, phone_number: '8181234567', tags: deep }),
    });
    expect(alowareAnswer.statusCode).toBe(400);
    expect(alowareAnswer.json().errors).toHaveProperty(['tags.a.a.a.a.a.a.a.a.a.a.a']);
    expect(await queuedJobs()).toBe(before);
  });

  it("does not fail a partner's batches while another partner's hostile leads are answered with them", async () => {
    const hostileLead = `{"email":"x@e.com","activities":[{"type":"t","description":"d","property":${nestedJson(5000)}}]}`;
    const rounds = 20;
    const answers = await Promise.all(
      Array.from({ length: rounds }, (_, round) => [
        postLeads(hostile, hostileLead),
        postLeads(honest, JSON.stringify(Array.from({ length: 20 }, (_, index) => ({ email: `honest-${round}-${index}@example.com` })))),
      ]).flat(),
    );
    const honestStatuses = answers.filter((_, index) => index % 2 === 1).map((answer) => answer.statusCode);
    const hostileStatuses = answers.filter((_, index) => index % 2 === 0).map((answer) => answer.statusCode);
    expect(honestStatuses).toEqual(new Array(rounds).fill(202));
    expect(hostileStatuses).toEqual(new Array(rounds).fill(400));
  });

  it('queues the other requests of a shared job when one request cannot be queued, and gives back only its claims', async () => {
    const lead = (email: string) => {
      const normalized = normalizeCanonicalLead({ email });
      if (!normalized.ok) throw new Error('test lead is invalid');
      return normalized.lead;
    };
    const context = { partnerId: honest.id, route: 'POST /v1/leads', requestId: 'shared-job', onDuplicate: 'keep' as const };
    const before = await queuedJobs();
    // A raw body no JSON can carry stands for any reason one request's part of a job may fail.
    const [unqueueable, fine] = await Promise.allSettled([
      harness.app.leadAcceptance.accept([{ lead: lead('cannot@example.com'), raw: { amount: 10n } }], context),
      harness.app.leadAcceptance.accept([{ lead: lead('fine@example.com'), raw: { email: 'fine@example.com' } }], context),
    ]);
    expect(unqueueable).toMatchObject({ status: 'rejected', reason: { code: 'service_unavailable' } });
    expect(fine).toMatchObject({ status: 'fulfilled', value: [{ status: 'created' }] });
    expect(await queuedJobs()).toBe(before + 1);

    // The refused request's claim was given back: the person is new again, the other one is not.
    const again = await postLeads(honest, JSON.stringify([{ email: 'cannot@example.com' }, { email: 'fine@example.com' }]));
    expect(again.json().results.map((result: { status: string }) => result.status)).toEqual(['created', 'duplicate']);
  });
});
