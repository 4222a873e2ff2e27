import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';
import { testRedisUrl } from '../support/test-redis.ts';

interface LeadSummary {
  id: string;
  email: string | null;
  phone: string | null;
  partner: { id: string; slug: string };
  createdAt: string;
}
interface LeadPage {
  leads: LeadSummary[];
  nextCursor: string | null;
}
interface LeadDetail extends LeadSummary {
  aliases: string[];
  rawSubmissions: { partner: { slug: string }; route: string; payload: unknown }[];
  consents: unknown[];
  externalIds: { partner: { slug: string }; externalId: string }[];
  activities: unknown[];
  events: { id: string; type: string; document: { id: string }; enqueued: boolean }[];
  deliveries: { status: string }[];
  totals: Record<string, number>;
}

describe('finding leads and what is stored about them', () => {
  let system: LeadRelaySystem;
  const receiver = new WebhookReceiver();
  const partners: Record<string, { id: string; apiKey: string }> = {};
  let janeId: string;
  let maxId: string;
  const janeItem = {
    email: ' Jane.Doe@Example.COM ',
    firstName: 'Jane',
    lastName: 'Doe',
    phone: '(808) 555-0123',
    externalId: 'ext-4711',
    custom: { campaign: 'spring' },
    consent: { text: 'Ja, ich möchte den Newsletter erhalten (Einwilligung widerrufbar).', ip: '203.0.113.7', timestamp: '2025-01-31T08:00:00Z' },
    activities: [{ type: 'visited', description: 'Signed up on the landing page' }],
  };

  async function submit(slug: string, body: unknown): Promise<{ status: string; leadId: string }[]> {
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partners[slug]!.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { results: { status: string; leadId: string }[] }).results;
  }

  const find = (query: Record<string, string>) => adminRequest<LeadPage>(system, 'GET', `/v1/leads?${new URLSearchParams(query)}`);
  const foundIds = async (query: Record<string, string>) => {
    const answer = await find(query);
    expect(answer.status).toBe(200);
    return answer.body.leads.map((lead) => lead.id);
  };

  beforeAll(async () => {
    await receiver.start();
    system = await startLeadRelaySystem();
    for (const [slug, defaultCountry] of [['acme', undefined], ['berlin', 'DE'], ['bulk', undefined]] as const) {
      const created = await adminRequest<{ id: string; apiKey: string }>(system, 'POST', '/v1/partners', {
        name: `Partner ${slug}`,
        slug,
        profile: 'canonical',
        ...(defaultCountry ? { defaultCountry } : {}),
      });
      expect(created.status).toBe(201);
      partners[slug] = created.body;
    }
    const destination = await adminRequest(system, 'POST', '/v1/destinations', { name: 'CRM', url: receiver.url });
    expect(destination.status).toBe(201);

    [{ leadId: janeId }] = (await submit('acme', janeItem)) as [{ status: string; leadId: string }];
    [{ leadId: maxId }] = (await submit('berlin', { email: 'max@example.de', phone: '030 1234567' })) as [{ status: string; leadId: string }];
    await submit('bulk', [1, 2, 3, 4, 5].map((n) => ({ email: `bulk-${n}@example.com` })));
    // Jane arrives again from berlin, which knows her by its own id.
    await waitFor(async () => (await adminRequest(system, 'GET', `/v1/leads/${janeId}`)).status === 200, { description: 'Jane to be stored' });
    const [again] = await submit('berlin', { email: 'JANE.DOE@example.com', externalId: 'B-1' });
    expect(again).toMatchObject({ status: 'duplicate', leadId: janeId });

    await waitFor(
      async () => {
        const detail = await adminRequest<LeadDetail>(system, 'GET', `/v1/leads/${janeId}`);
        return detail.body.rawSubmissions?.length === 2 && detail.body.deliveries?.[0]?.status === 'delivered';
      },
      { description: "Jane's second submission and her delivery" },
    );
    await waitFor(async () => (await foundIds({ partner: 'bulk' })).length === 5 && (await foundIds({ partner: 'berlin' })).length === 2, {
      description: 'every lead to be stored',
    });
  });

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  it('finds a lead by email in any case and with spaces', async () => {
    for (const email of ['jane.doe@example.com', '  JANE.DOE@EXAMPLE.COM  ', 'Jane.Doe@Example.Com']) {
      expect(await foundIds({ email })).toEqual([janeId]);
    }
    expect(await foundIds({ email: 'nobody@example.com' })).toEqual([]);
  });

  it('finds a lead by phone in any format, national numbers read in the partner\'s country', async () => {
    for (const phone of ['808-555-0123', '+1 (808) 555 0123', '8085550123', '+18085550123']) {
      expect(await foundIds({ phone })).toEqual([janeId]);
    }
    expect(await foundIds({ phone: '030 1234567', partner: 'berlin' })).toEqual([maxId]);
    expect(await foundIds({ phone: '+49 30 1234567' })).toEqual([maxId]);
    expect(await foundIds({ phone: '+49 30 1234567', partner: 'acme' })).toEqual([]);
  });

  it("finds a lead by a partner's external id, which is unique per partner", async () => {
    expect(await foundIds({ partner: 'acme', externalId: 'ext-4711' })).toEqual([janeId]);
    expect(await foundIds({ partner: 'berlin', externalId: 'B-1' })).toEqual([janeId]);
    expect(await foundIds({ partner: 'berlin', externalId: 'ext-4711' })).toEqual([]);
    // A partner's leads include the ones it sent after another partner did.
    expect((await foundIds({ partner: 'berlin' })).sort()).toEqual([janeId, maxId].sort());
  });

  it('pages through leads newest first with cursors that neither skip nor repeat', async () => {
    const seen: LeadSummary[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: LeadPage } = await find({ partner: 'bulk', limit: '2', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      pageSizes.push(page.body.leads.length);
      seen.push(...page.body.leads);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(new Set(seen.map((lead) => lead.id)).size).toBe(5);
    expect(seen.map((lead) => lead.email).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `bulk-${n}@example.com`));
    const times = seen.map((lead) => Date.parse(lead.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const everything = await find({ limit: '200' });
    expect(everything.body.leads).toHaveLength(7);
    expect(everything.body.nextCursor).toBeNull();
  });

  it('answers a query it cannot run with a clear 4xx', async () => {
    for (const [query, status] of [
      [{ externalId: 'ext-4711' }, 400],
      [{ email: 'not-an-email' }, 400],
      [{ phone: 'call me' }, 400],
      [{ cursor: 'not-a-cursor' }, 400],
      [{ limit: '0' }, 400],
      [{ limit: '201' }, 400],
      [{ partner: 'nobody' }, 404],
    ] as const) {
      const answer = await find(query);
      expect({ query, status: answer.status }).toEqual({ query, status });
      expect(answer.body).toHaveProperty('error.code');
    }
  });

  it("says which of a lead's events still wait in the outbox for their fan-out job", async () => {
    const eventOf = async () => (await adminRequest<LeadDetail>(system, 'GET', `/v1/leads/${janeId}`)).body.events[0]!;
    // The worker relays an event right after its commit, so this holds soon after the lead is stored.
    await waitFor(async () => (await eventOf()).enqueued, { description: "Jane's event enqueued" });
    const event = await eventOf();
    // As a crash between the worker's commit and its enqueue leaves it, until the sweep comes by.
    const sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    try {
      await sql.query('INSERT INTO outbox_entries (event_id, created_at) VALUES ($1, now())', [event.id]);
      expect((await eventOf()).enqueued).toBe(false);
    } finally {
      await sql.query('DELETE FROM outbox_entries WHERE event_id = $1', [event.id]);
      await sql.end();
    }
  });

  it('keeps personal data of a search out of the admin log', async () => {
    await find({ email: 'Log.Probe@Example.com', phone: '+1 808 555 0199' });
    const log = system.apps.admin.output.join('');
    expect(log).not.toMatch(/log\.probe/i);
    expect(log).not.toMatch(/[?&](email|phone)=/);
  });

  it('shows everything stored about a lead submitted through intake', async () => {
    const answer = await adminRequest<LeadDetail & Record<string, unknown>>(system, 'GET', `/v1/leads/${janeId}`);
    expect(answer.status).toBe(200);
    const lead = answer.body;
    expect(lead).toMatchObject({
      id: janeId,
      email: 'jane.doe@example.com',
      phone: '+18085550123',
      firstName: 'Jane',
      lastName: 'Doe',
      custom: { campaign: 'spring' },
      partner: { id: partners.acme!.id, slug: 'acme' },
    });
    expect(lead.rawSubmissions).toEqual([
      expect.objectContaining({ partner: { id: partners.acme!.id, slug: 'acme' }, route: 'POST /v1/leads', payload: janeItem }),
      expect.objectContaining({ partner: { id: partners.berlin!.id, slug: 'berlin' }, payload: { email: 'JANE.DOE@example.com', externalId: 'B-1' } }),
    ]);
    expect(lead.consents).toEqual([
      expect.objectContaining({
        partner: { id: partners.acme!.id, slug: 'acme' },
        text: janeItem.consent.text,
        ip: '203.0.113.7',
        timestampRaw: '2025-01-31T08:00:00Z',
        givenAt: '2025-01-31T08:00:00.000Z',
      }),
    ]);
    expect(lead.externalIds.map(({ partner, externalId }) => [partner.slug, externalId]).sort()).toEqual([
      ['acme', 'ext-4711'],
      ['berlin', 'B-1'],
    ]);
    expect(lead.activities).toEqual([expect.objectContaining({ type: 'visited', description: 'Signed up on the landing page', position: 0 })]);
    expect(lead.events).toEqual([
      expect.objectContaining({ type: 'created', partnerSlug: 'acme', document: expect.objectContaining({ id: janeId, action: 'created' }), enqueued: true }),
    ]);
    expect(lead.deliveries).toEqual([
      expect.objectContaining({ status: 'delivered', attemptCount: 1, destination: expect.objectContaining({ name: 'CRM' }) }),
    ]);
    expect(lead.totals).toEqual({ rawSubmissions: 2, consents: 1, externalIds: 2, activities: 1, events: 1, deliveries: 1 });

    expect((await adminRequest(system, 'GET', `/v1/leads/${randomUUID()}`)).status).toBe(404);
    expect((await adminRequest(system, 'GET', '/v1/leads/not-a-lead-id')).status).toBe(400);
  });

  it('counts jobs per queue state and deliveries per status', async () => {
    const stats = await adminRequest<{
      queues: Record<string, { paused: boolean; jobs: Record<string, number> }>;
      deliveries: Record<string, number>;
      generatedAt: string;
    }>(
      system,
      'GET',
      '/v1/stats',
    );
    expect(stats.status).toBe(200);
    expect(Object.keys(stats.body.queues).sort()).toEqual(['deliveries', 'events', 'leads']);
    for (const queue of Object.values(stats.body.queues)) {
      expect(queue.paused).toBe(false);
      for (const state of ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children']) {
        expect(Number.isInteger(queue.jobs[state])).toBe(true);
      }
    }
    expect(stats.body.queues.leads!.jobs.completed).toBeGreaterThanOrEqual(1);
    expect(Object.keys(stats.body.deliveries).sort()).toEqual(['delivered', 'failed', 'paused', 'pending', 'stopped']);
    expect(stats.body.deliveries.delivered).toBeGreaterThanOrEqual(1);
    expect(Date.parse(stats.body.generatedAt)).not.toBeNaN();
  });

  // Last: it adds a lead. Lost Redis identity claims (a flushed Redis) make intake answer a new id
  // for a known person; the worker merges it, and the admin API still finds the lead by that id.
  it('answers a lead by an id the worker merged into it', async () => {
    const [first] = await submit('acme', { email: 'lost.claim@example.com' });
    await waitFor(async () => (await adminRequest(system, 'GET', `/v1/leads/${first!.leadId}`)).status === 200, { description: 'the lead to be stored' });
    const redis = new Redis(testRedisUrl);
    try {
      const claims: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${system.queuePrefix}:identity:*`, 'COUNT', 1000);
        cursor = next;
        claims.push(...keys);
      } while (cursor !== '0');
      expect(claims.length).toBeGreaterThan(0);
      await redis.unlink(...claims);
    } finally {
      redis.disconnect();
    }
    const [second] = await submit('acme', { email: 'Lost.Claim@example.com' });
    expect(second).toMatchObject({ status: 'created' });
    expect(second!.leadId).not.toBe(first!.leadId);

    const merged = await waitFor(
      async () => {
        const answer = await adminRequest<LeadDetail>(system, 'GET', `/v1/leads/${second!.leadId}`);
        return answer.status === 200 ? answer.body : undefined;
      },
      { description: 'the merged submission to be stored' },
    );
    expect(merged.id).toBe(first!.leadId);
    expect(merged.aliases).toEqual([second!.leadId]);
    expect(merged.rawSubmissions).toHaveLength(2);
  });
});
