import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLeadRelayWebhook } from '@leadrelay/receiver';
import type { AppProcess } from '../support/app-process.ts';
import { adminRequest, startLeadRelaySystem, startPortalProcess, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

interface Destination {
  id: string;
  name: string;
  url: string;
  mode: 'test' | 'pending_review' | 'live';
  subscriberId: string | null;
  partnerId: string | null;
  events: string[];
  maxConcurrency: number;
  enabled: boolean;
  disabledReason: string | null;
  reviewNote: string | null;
  liveRequest: { description: string; partnerIdLabel: string; partnerIdHelp: string } | null;
}

interface Delivery {
  id: string;
  destinationId: string;
  status: string;
  messageId: string;
  attempts?: { number: number; statusCode: number | null; responseBody: string | null; request: { headers: Record<string, string>; body: string | null } | null }[];
}

interface ErrorAnswer {
  error: { code: string; message: string; details?: { path: string }[] };
}

/** A seed 003 lead document, as filter-test takes it. */
function sampleLead(email: string) {
  return {
    action: 'created',
    id: '11111111-1111-4111-8111-111111111111',
    partner_id: '',
    source: 'test',
    site_uuid: '00000000-0000-4000-8000-000000000000',
    site_domain: 'leadrelay.test',
    site_login_url: 'https://leadrelay.test/leads/1',
    email,
    first_name: 'Portal',
    last_name: 'Lead',
    role: 'Buyer',
    activities: [],
    created: new Date().toISOString(),
  };
}

/**
 * The subscriber API: a CRM registers, tests, connects and replays its own destinations through
 * the same services operators use, and sees nothing of another subscriber's. Every route is also
 * called with a second subscriber's key and the first one's ids, and must answer 404 as for an id
 * that does not exist.
 */
describe('portal: a subscriber runs its own destinations', () => {
  let system: LeadRelaySystem;
  let portal: AppProcess;
  let portalUrl = '';
  let sql: pg.Client;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    system = await startLeadRelaySystem();
    ({ process: portal, url: portalUrl } = await startPortalProcess({ databaseUrl: system.databaseUrl, queuePrefix: system.queuePrefix }));
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await Promise.all(receivers.map((receiver) => receiver.stop()));
    await portal?.stop();
    await system?.stop();
  });

  async function receiver(statuses: number[] = [200]): Promise<WebhookReceiver> {
    const started = new WebhookReceiver();
    started.statuses = statuses;
    await started.start();
    receivers.push(started);
    return started;
  }

  async function subscriber(name: string, maxDestinations?: number): Promise<{ id: string; apiKey: string }> {
    const created = await adminRequest<{ id: string; apiKey: string }>(system, 'POST', '/v1/subscribers', { name, maxDestinations });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function portalRequest<Body = unknown>(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
    const response = await fetch(`${portalUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as Body };
  }

  async function partner(slug: string, sandbox: boolean): Promise<string> {
    const created = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: `Partner ${slug}`, slug, profile: 'canonical', sandbox });
    expect(created.status).toBe(201);
    return created.body.apiKey;
  }

  async function submit(apiKey: string, email: string): Promise<void> {
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, firstName: 'Portal' }),
    });
    expect(response.status).toBe(202);
  }

  async function deliveriesOf(key: string, destinationId: string): Promise<Delivery[]> {
    const listed = await portalRequest<{ deliveries: Delivery[] }>(key, 'GET', `/v1/deliveries?destinationId=${destinationId}`);
    expect(listed.status).toBe(200);
    return listed.body.deliveries;
  }

  it('registers in test mode, sends a signed test, receives sandbox leads only, goes live through review, and gets live leads with its Partner ID', async () => {
    const crm = await subscriber('Self-service CRM');
    const hook = await receiver();
    const created = await portalRequest<Destination & { secret: string; warnings: string[] }>(crm.apiKey, 'POST', '/v1/destinations', {
      name: 'Our CRM',
      url: hook.url,
      secret: '12345',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ mode: 'test', subscriberId: crm.id, secret: '12345', maxConcurrency: 10 });
    expect(created.body.warnings[0]).toMatch(/^weak_secret/);
    const id = created.body.id;

    const shown = await portalRequest<Destination>(crm.apiKey, 'GET', `/v1/destinations/${id}`);
    expect(shown.body).not.toHaveProperty('secret');
    const listed = await portalRequest<{ destinations: Destination[] }>(crm.apiKey, 'GET', '/v1/destinations');
    expect(listed.body.destinations.map((destination) => destination.id)).toEqual([id]);

    const tested = await portalRequest<{ accepted: boolean; statusCode: number; messageId: string }>(crm.apiKey, 'POST', `/v1/destinations/${id}/test`);
    expect(tested.body).toMatchObject({ accepted: true, statusCode: 200 });
    const sample = hook.received.at(-1)!;
    const verified = verifyLeadRelayWebhook(sample.body, sample.headers, { secrets: ['12345'] });
    expect(verified.messageId).toBe(tested.body.messageId);

    // Test mode: a sandbox partner's lead arrives, a live partner's does not.
    const sandboxKey = await partner('portal-sandbox', true);
    const liveKey = await partner('portal-live', false);
    await submit(liveKey, 'live.before@example.com');
    await submit(sandboxKey, 'sandbox@example.com');
    await waitFor(async () => (await deliveriesOf(crm.apiKey, id)).some((delivery) => delivery.status === 'delivered'));
    const testPhase = await deliveriesOf(crm.apiKey, id);
    expect(testPhase).toHaveLength(1);

    const asked = await portalRequest<Destination>(crm.apiKey, 'POST', `/v1/destinations/${id}/request-live`, {
      description: 'Leads into Our CRM',
      partnerIdLabel: 'Account ID',
      partnerIdHelp: 'Settings → Account',
    });
    expect(asked.body).toMatchObject({ mode: 'pending_review', liveRequest: { partnerIdLabel: 'Account ID' } });
    const pending = await adminRequest<{ destinations: Destination[] }>(system, 'GET', '/v1/destinations?mode=pending_review');
    expect(pending.body.destinations.map((destination) => destination.id)).toContain(id);

    const rejected = await adminRequest<Destination>(system, 'POST', `/v1/destinations/${id}/reject`, { reason: 'describe what the CRM does' });
    expect(rejected.body.mode).toBe('test');
    expect((await portalRequest<Destination>(crm.apiKey, 'GET', `/v1/destinations/${id}`)).body.reviewNote).toBe('describe what the CRM does');
    await portalRequest(crm.apiKey, 'POST', `/v1/destinations/${id}/request-live`, {
      description: 'Every lead into Our CRM, as a contact',
      partnerIdLabel: 'Account ID',
      partnerIdHelp: 'Settings → Account',
    });
    const approved = await adminRequest<Destination>(system, 'POST', `/v1/destinations/${id}/approve`, { partnerId: 'acct-77' });
    expect(approved.body).toMatchObject({ mode: 'live', partnerId: 'acct-77' });
    expect((await portalRequest<ErrorAnswer>(crm.apiKey, 'POST', `/v1/destinations/${id}/request-live`, asked.body.liveRequest)).status).toBe(409);

    const before = hook.received.length;
    await submit(liveKey, 'live.after@example.com');
    await waitFor(() => hook.received.length > before);
    const live = verifyLeadRelayWebhook(hook.received.at(-1)!.body, hook.received.at(-1)!.headers, { secrets: ['12345'] });
    expect(live.lead).toMatchObject({ partner_id: 'acct-77', email: 'live.after@example.com' });

    // What it may change itself, and what stays the operator's.
    const renamed = await portalRequest<Destination>(crm.apiKey, 'PATCH', `/v1/destinations/${id}`, { name: 'Our CRM (prod)', events: ['created'] });
    expect(renamed.body).toMatchObject({ name: 'Our CRM (prod)', events: ['created'], partnerId: 'acct-77' });
    for (const body of [{ maxConcurrency: 500 }, { partnerId: 'someone-else' }, { sources: ['portal-sandbox'] }]) {
      const refused = await portalRequest<ErrorAnswer>(crm.apiKey, 'PATCH', `/v1/destinations/${id}`, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.details?.map((detail) => detail.path).join()).toContain('body');
    }
    const stored = await sql.query('SELECT max_concurrency, partner_id FROM destinations WHERE id = $1', [id]);
    expect(stored.rows[0]).toEqual({ max_concurrency: 10, partner_id: 'acct-77' });
  });

  it('shows every attempt of a failed delivery, and replays it and everything failed since a time', async () => {
    const crm = await subscriber('Failing CRM');
    const hook = await receiver([500]);
    const created = await portalRequest<Destination>(crm.apiKey, 'POST', '/v1/destinations', { name: 'Flaky', url: hook.url });
    const id = created.body.id;
    const sandboxKey = await partner('portal-failing', true);
    const since = new Date().toISOString();
    await submit(sandboxKey, 'failing.one@example.com');
    await submit(sandboxKey, 'failing.two@example.com');
    await waitFor(async () => (await deliveriesOf(crm.apiKey, id)).filter((delivery) => delivery.status === 'failed').length === 2, { timeoutMs: 30_000 });

    const [newest] = await deliveriesOf(crm.apiKey, id);
    const detail = await portalRequest<Delivery>(crm.apiKey, 'GET', `/v1/deliveries/${newest!.id}`);
    expect(detail.body.attempts!.length).toBe(8);
    expect(detail.body.attempts![0]).toMatchObject({ number: 1, statusCode: 500, responseBody: 'no' });
    // Each attempt shows exactly what the receiver got: the same bytes, the same headers.
    const firstAttempt = hook.received.find((received) => received.headers['x-lead-router-message-id'] === newest!.messageId)!;
    const shownRequest = detail.body.attempts![0]!.request!;
    expect(shownRequest.body).toBe(firstAttempt.body.toString('utf8'));
    for (const [name, value] of Object.entries(shownRequest.headers)) expect({ name, value: firstAttempt.headers[name.toLowerCase()] }).toEqual({ name, value });
    expect(Object.keys(shownRequest.headers).map((name) => name.toLowerCase())).toEqual(
      expect.arrayContaining(['x-lead-router-message-id', 'x-lead-router-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature']),
    );

    hook.statuses = [200];
    const replayed = await portalRequest<Delivery>(crm.apiKey, 'POST', `/v1/deliveries/${newest!.id}/replay`);
    expect(replayed.status).toBe(202);
    await waitFor(async () => (await portalRequest<Delivery>(crm.apiKey, 'GET', `/v1/deliveries/${newest!.id}`)).body.status === 'delivered');
    const replayedMessage = hook.received.at(-1)!;
    expect(replayedMessage.headers['x-lead-router-message-id']).toBe(newest!.messageId);

    const rest = await portalRequest<{ replayed: number }>(crm.apiKey, 'POST', `/v1/destinations/${id}/replay`, { since });
    expect(rest.body.replayed).toBe(1);
    await waitFor(async () => (await deliveriesOf(crm.apiKey, id)).every((delivery) => delivery.status === 'delivered'));
  });

  it("answers another subscriber's destinations and deliveries with 404 on every route, exactly as ids that do not exist", async () => {
    const owner = await subscriber('Owner CRM');
    const stranger = await subscriber('Stranger CRM');
    const hook = await receiver();
    const created = await portalRequest<Destination>(owner.apiKey, 'POST', '/v1/destinations', { name: 'Owned', url: hook.url });
    const id = created.body.id;
    await submit(await partner('portal-scope', true), 'scope@example.com');
    await waitFor(async () => (await deliveriesOf(owner.apiKey, id)).length === 1);
    const [delivery] = await deliveriesOf(owner.apiKey, id);
    await portalRequest(owner.apiKey, 'POST', `/v1/destinations/${id}/request-live`, { description: 'd', partnerIdLabel: 'l', partnerIdHelp: 'h' });
    await adminRequest(system, 'POST', `/v1/destinations/${id}/reject`, { reason: 'not yet' });
    const receivedBefore = hook.received.length;
    const missing = '00000000-0000-4000-8000-000000000000';
    const since = { since: new Date(0).toISOString() };
    const routes: [string, (target: string) => string, unknown?][] = [
      ['GET', (target) => `/v1/destinations/${target}`],
      ['PATCH', (target) => `/v1/destinations/${target}`, { name: 'taken' }],
      ['POST', (target) => `/v1/destinations/${target}/test`],
      ['POST', (target) => `/v1/destinations/${target}/rotate-secret`, {}],
      ['POST', (target) => `/v1/destinations/${target}/enable`],
      ['POST', (target) => `/v1/destinations/${target}/request-live`, { description: 'd', partnerIdLabel: 'l', partnerIdHelp: 'h' }],
      ['POST', (target) => `/v1/destinations/${target}/replay`, since],
      ['POST', (target) => `/v1/destinations/${target}/filter-test`, { lead: sampleLead('scope@example.com') }],
      ['GET', (target) => `/v1/deliveries?destinationId=${target}`],
      ['DELETE', (target) => `/v1/destinations/${target}`],
    ];
    for (const [method, path, body] of routes) {
      const theirs = await portalRequest<ErrorAnswer>(stranger.apiKey, method, path(id), body);
      const none = await portalRequest<ErrorAnswer>(stranger.apiKey, method, path(missing), body);
      expect({ route: `${method} ${path(':id')}`, status: theirs.status }).toEqual({ route: `${method} ${path(':id')}`, status: 404 });
      expect(theirs.body.error.code).toBe(none.body.error.code);
      expect(theirs.body.error.message).toBe(none.body.error.message.replace(missing, id));
    }
    for (const [method, path] of [['GET', `/v1/deliveries/${delivery!.id}`], ['POST', `/v1/deliveries/${delivery!.id}/replay`]] as const) {
      expect((await portalRequest(stranger.apiKey, method, path)).status).toBe(404);
    }
    expect((await portalRequest<{ destinations: unknown[] }>(stranger.apiKey, 'GET', '/v1/destinations')).body.destinations).toEqual([]);
    expect((await portalRequest<{ deliveries: unknown[] }>(stranger.apiKey, 'GET', '/v1/deliveries')).body.deliveries).toEqual([]);

    // Nothing of the owner's changed, and nothing was sent for the stranger.
    const after = await portalRequest<Destination>(owner.apiKey, 'GET', `/v1/destinations/${id}`);
    expect(after.body).toMatchObject({ name: 'Owned', mode: 'test', reviewNote: 'not yet' });
    expect(hook.received.length).toBe(receivedBefore);

    // An operator-registered destination belongs to no subscriber: 404 too.
    const operators = await adminRequest<Destination>(system, 'POST', '/v1/destinations', { name: 'Operator-run', url: hook.url });
    expect((await portalRequest(owner.apiKey, 'GET', `/v1/destinations/${operators.body.id}`)).status).toBe(404);

    // A partner key opens nothing here.
    const partnerKey = await partner('portal-scope-key', false);
    expect((await portalRequest(partnerKey, 'GET', '/v1/destinations')).status).toBe(401);
  });

  it('keeps to maxDestinations even when registrations race, refuses bad input naming the field, and writes nothing then', async () => {
    const crm = await subscriber('Small CRM', 2);
    const hook = await receiver();
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, index) => portalRequest<ErrorAnswer>(crm.apiKey, 'POST', '/v1/destinations', { name: `Race ${index}`, url: hook.url })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 409, 409, 409]);
    const count = async () => (await sql.query('SELECT count(*)::int AS count FROM destinations WHERE subscriber_id = $1', [crm.id])).rows[0].count;
    expect(await count()).toBe(2);

    const other = await subscriber('Careful CRM');
    for (const [body, path] of [
      [{ url: hook.url }, 'body.name'],
      [{ name: 'x', url: 'ftp://example.com/hook' }, 'body.url'],
      [{ name: 'x', url: hook.url, secret: '' }, 'body.secret'],
      [{ name: 'x', url: hook.url, maxConcurrency: 100 }, 'body'],
      [{ name: 'x', url: hook.url, partnerId: 'mine' }, 'body'],
      [{ name: 'x', url: hook.url, timeoutMs: 5 }, 'body.timeoutMs'],
    ] as const) {
      const refused = await portalRequest<ErrorAnswer>(other.apiKey, 'POST', '/v1/destinations', body);
      expect({ body, status: refused.status }).toEqual({ body, status: 400 });
      expect(refused.body.error.details?.map((detail) => detail.path)).toContain(path);
    }
    expect((await sql.query('SELECT count(*)::int AS count FROM destinations WHERE subscriber_id = $1', [other.id])).rows[0].count).toBe(0);
  });

  it('filters leads by field: a 400 names the bad path, filter-test says which condition decided, and the fan-out agrees', async () => {
    const crm = await subscriber('Filtering CRM');
    const hook = await receiver();
    const invalid = await portalRequest<ErrorAnswer>(crm.apiKey, 'POST', '/v1/destinations', {
      name: 'Bad filter',
      url: hook.url,
      filter: { all: [{ field: 'email', exists: true }, { field: 'email', in: 'not-a-list' }] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details?.map((detail) => detail.path)).toContain('body.filter.all.1.in');

    const filter = { any: [{ field: 'email', equals: 'wanted@example.com' }, { field: 'first_name', in: ['Filtered'] }] };
    const created = await portalRequest<Destination & { filter: unknown }>(crm.apiKey, 'POST', '/v1/destinations', { name: 'Filtered', url: hook.url, filter });
    expect(created.status).toBe(201);
    expect(created.body.filter).toEqual(filter);
    const id = created.body.id;

    const wanted = await portalRequest<{ matches: boolean; decidedBy: string }>(crm.apiKey, 'POST', `/v1/destinations/${id}/filter-test`, { lead: sampleLead('WANTED@example.com') });
    expect(wanted.body.matches).toBe(true);
    expect(wanted.body.decidedBy).toBe('any.0.equals');
    const unwanted = await portalRequest<{ matches: boolean }>(crm.apiKey, 'POST', `/v1/destinations/${id}/filter-test`, { lead: sampleLead('other@example.com') });
    expect(unwanted.body.matches).toBe(false);

    const sandboxKey = await partner('portal-filter', true);
    await submit(sandboxKey, 'other@example.com');
    await submit(sandboxKey, 'wanted@example.com');
    await waitFor(() => hook.received.length === 1);
    expect(JSON.parse(hook.received[0]!.body.toString('utf8')).email).toBe('wanted@example.com');

    // A property's field named alone, as the issue's own example does: kept with its full path.
    const byState = await portalRequest<{ filter: unknown }>(crm.apiKey, 'PATCH', `/v1/destinations/${id}`, { filter: { field: 'state', in: ['CA', 'NV'] } });
    expect(byState.status).toBe(200);
    expect(byState.body.filter).toEqual({ field: 'activities.property.state', in: ['CA', 'NV'] });
    const viewing = { type: 'property_viewed', description: 'Viewed a listing', source: 'test', property: { state: 'nv', city: 'Reno' } };
    const inNevada = await portalRequest<{ matches: boolean; decidedBy: string }>(crm.apiKey, 'POST', `/v1/destinations/${id}/filter-test`, {
      lead: { ...sampleLead('reno@example.com'), activities: [viewing] },
    });
    expect(inNevada.body).toMatchObject({ matches: true, decidedBy: 'in' });

    const cleared = await portalRequest<{ filter: unknown }>(crm.apiKey, 'PATCH', `/v1/destinations/${id}`, { filter: null });
    expect(cleared.body.filter).toBeNull();
  });

  it("records each change a subscriber makes in the operators' audit log, as that subscriber", async () => {
    const crm = await subscriber('Audited CRM');
    const hook = await receiver();
    const created = await portalRequest<Destination>(crm.apiKey, 'POST', '/v1/destinations', { name: 'Audited', url: hook.url });
    await portalRequest(crm.apiKey, 'POST', `/v1/destinations/${created.body.id}/rotate-secret`, {});
    await portalRequest(crm.apiKey, 'GET', `/v1/destinations/${created.body.id}`);
    const refused = await portalRequest(crm.apiKey, 'PATCH', `/v1/destinations/${created.body.id}`, { maxConcurrency: 5 });
    expect(refused.status).toBe(400);

    const log = await adminRequest<{ entries: { actor: { kind: string; id: string; name: string }; action: string; targetId: string; statusCode: number }[] }>(
      system,
      'GET',
      `/v1/audit-log?actor=${crm.id}`,
    );
    expect(log.body.entries.map(({ actor, action, targetId, statusCode }) => ({ actor, action, targetId, statusCode }))).toEqual([
      { actor: { kind: 'subscriber', id: crm.id, name: 'Audited CRM' }, action: 'updateDestination', targetId: created.body.id, statusCode: 400 },
      { actor: { kind: 'subscriber', id: crm.id, name: 'Audited CRM' }, action: 'rotateDestinationSecret', targetId: created.body.id, statusCode: 200 },
      { actor: { kind: 'subscriber', id: crm.id, name: 'Audited CRM' }, action: 'createDestination', targetId: created.body.id, statusCode: 201 },
    ]);
  });

  it('lets a subscriber enable a destination disabled automatically, but not one an operator disabled', async () => {
    const crm = await subscriber('Gone CRM');
    const hook = await receiver([410]);
    const created = await portalRequest<Destination>(crm.apiKey, 'POST', '/v1/destinations', { name: 'Gone', url: hook.url });
    const id = created.body.id;
    await submit(await partner('portal-gone', true), 'gone@example.com');
    await waitFor(async () => !(await portalRequest<Destination>(crm.apiKey, 'GET', `/v1/destinations/${id}`)).body.enabled);
    expect((await portalRequest<Destination>(crm.apiKey, 'GET', `/v1/destinations/${id}`)).body.disabledReason).toMatch(/410/);

    hook.statuses = [200];
    const enabled = await portalRequest<Destination>(crm.apiKey, 'POST', `/v1/destinations/${id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body.enabled).toBe(true);

    await adminRequest(system, 'POST', `/v1/destinations/${id}/disable`, { reason: 'abuse report' });
    const refused = await portalRequest<ErrorAnswer>(crm.apiKey, 'POST', `/v1/destinations/${id}/enable`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('abuse report');
    expect((await portalRequest<Destination>(crm.apiKey, 'GET', `/v1/destinations/${id}`)).body.enabled).toBe(false);
  });

  it('refuses private destination addresses as the admin does, when ALLOW_PRIVATE_DESTINATIONS is off (production)', async () => {
    const crm = await subscriber('Internet-facing CRM');
    const strict = await startPortalProcess({ databaseUrl: system.databaseUrl, queuePrefix: system.queuePrefix, env: { ALLOW_PRIVATE_DESTINATIONS: 'false' } });
    try {
      const request = async (method: string, path: string, body: unknown) => {
        const response = await fetch(`${strict.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${crm.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as ErrorAnswer & Destination };
      };
      for (const url of ['http://127.0.0.1:9/hooks', 'http://10.0.0.7/hooks', 'http://[::1]/hooks', 'http://169.254.169.254/latest/meta-data']) {
        const refused = await request('POST', '/v1/destinations', { name: 'Internal', url });
        expect(refused.status, url).toBe(400);
        expect(refused.body.error.details, url).toEqual([{ path: 'body.url', message: expect.stringMatching(/non-public address/) }]);
      }
      const registered = await request('POST', '/v1/destinations', { name: 'Public', url: 'https://93.184.216.34/hooks' });
      expect(registered.status).toBe(201);
      const moved = await request('PATCH', `/v1/destinations/${registered.body.id}`, { url: 'http://127.0.0.1:9/hooks' });
      expect(moved.status).toBe(400);
      const { rows } = await sql.query<{ url: string }>('SELECT url FROM destinations WHERE subscriber_id = $1', [crm.id]);
      expect(rows).toEqual([{ url: 'https://93.184.216.34/hooks' }]);
    } finally {
      await strict.process.stop();
    }
  });
});
