import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

interface Subscriber {
  id: string;
  name: string;
  contactEmail: string | null;
  maxDestinations: number;
  apiKeyPrefix: string;
  destinationCount: number;
  disabled: boolean;
}

interface Destination {
  id: string;
  mode: 'test' | 'pending_review' | 'live';
  subscriberId: string | null;
  partnerId: string | null;
  liveRequest: { description: string; partnerIdLabel: string; partnerIdHelp: string } | null;
  reviewNote: string | null;
}

interface DeliveryRow {
  status: string;
}

/**
 * Subscribers (CRMs running their own destinations) as operators manage them, test traffic kept
 * apart from live traffic, and seed 003's go-live review. The portal, where a subscriber registers
 * and asks, is not built yet: destinations are put into a subscriber's hands and into review here
 * with SQL, as the portal will.
 */
describe('admin API: subscribers, test and live destinations, sandbox partners', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    system = await startLeadRelaySystem();
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await Promise.all(receivers.map((receiver) => receiver.stop()));
    await system?.stop();
  });

  async function receiver(): Promise<WebhookReceiver> {
    const started = new WebhookReceiver();
    await started.start();
    receivers.push(started);
    return started;
  }

  async function partner(slug: string, sandbox = false): Promise<string> {
    const created = await adminRequest<{ apiKey: string; sandbox: boolean }>(system, 'POST', '/v1/partners', {
      name: `Partner ${slug}`,
      slug,
      profile: 'canonical',
      sandbox,
    });
    expect(created.status).toBe(201);
    expect(created.body.sandbox).toBe(sandbox);
    return created.body.apiKey;
  }

  async function destination(url: string, sources: string[], partnerId?: string): Promise<Destination> {
    const created = await adminRequest<Destination>(system, 'POST', '/v1/destinations', { name: `CRM ${sources.join(',')}`, url, sources, partnerId });
    expect(created.status).toBe(201);
    return created.body;
  }

  async function submit(apiKey: string, email: string): Promise<void> {
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, firstName: 'Test' }),
    });
    expect(response.status).toBe(202);
  }

  async function deliveriesOf(destinationId: string): Promise<DeliveryRow[]> {
    const listed = await adminRequest<{ deliveries: DeliveryRow[] }>(system, 'GET', `/v1/deliveries?destinationId=${destinationId}`);
    return listed.body.deliveries;
  }

  it('creates a subscriber whose key is shown once and stored only as its SHA-256; lists, changes and rotates it', async () => {
    const created = await adminRequest<Subscriber & { apiKey: string }>(system, 'POST', '/v1/subscribers', {
      name: 'Acme CRM',
      contactEmail: 'dev@acme-crm.example',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Acme CRM', contactEmail: 'dev@acme-crm.example', maxDestinations: 10, destinationCount: 0, disabled: false });
    expect(created.body.apiKey).toMatch(/^lrsub_[A-Za-z0-9_-]{43}$/);
    expect(created.body.apiKeyPrefix).toBe(created.body.apiKey.slice(0, 'lrsub_'.length + 6));

    const stored = await sql.query('SELECT row_to_json(s)::text AS row, api_key_hash FROM subscribers s WHERE id = $1', [created.body.id]);
    expect(stored.rows[0].api_key_hash).toBe(createHash('sha256').update(created.body.apiKey).digest('hex'));
    expect(stored.rows[0].row).not.toContain(created.body.apiKey.slice('lrsub_'.length + 6));

    const listed = await adminRequest<{ subscribers: Subscriber[] }>(system, 'GET', '/v1/subscribers');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.apiKey);
    expect(listed.body.subscribers.map((subscriber) => subscriber.id)).toContain(created.body.id);

    const changed = await adminRequest<Subscriber>(system, 'PATCH', `/v1/subscribers/${created.body.id}`, { maxDestinations: 3, contactEmail: null });
    expect(changed.body).toMatchObject({ maxDestinations: 3, contactEmail: null });

    const rotated = await adminRequest<Subscriber & { apiKey: string }>(system, 'POST', `/v1/subscribers/${created.body.id}/rotate-key`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.apiKey).not.toBe(created.body.apiKey);
    const rotatedHash = await sql.query('SELECT api_key_hash FROM subscribers WHERE id = $1', [created.body.id]);
    expect(rotatedHash.rows[0].api_key_hash).toBe(createHash('sha256').update(rotated.body.apiKey).digest('hex'));

    // Neither a subscriber key nor a partner key opens the admin API.
    const partnerKey = await partner('subscriber-keys');
    for (const key of [rotated.body.apiKey, partnerKey]) {
      const refused = await fetch(`${system.adminUrl}/v1/subscribers`, { headers: { authorization: `Bearer ${key}` } });
      expect(refused.status).toBe(401);
    }
  });

  it('answers bad input with a 400 naming the field and unknown ids with 404, writing nothing', async () => {
    const before = await sql.query('SELECT count(*)::int AS count FROM subscribers');
    for (const [body, path] of [
      [{}, 'body.name'],
      [{ name: 'X', contactEmail: 'not-an-email' }, 'body.contactEmail'],
      [{ name: 'X', maxDestinations: -1 }, 'body.maxDestinations'],
      [{ name: 'X', apiKey: 'lrsub_mine' }, 'body'],
    ] as const) {
      const refused = await adminRequest<{ error: { code: string; details: { path: string }[] } }>(system, 'POST', '/v1/subscribers', body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.map((detail) => detail.path)).toContain(path);
    }
    const after = await sql.query('SELECT count(*)::int AS count FROM subscribers');
    expect(after.rows[0].count).toBe(before.rows[0].count);
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [['GET', ''], ['PATCH', ''], ['POST', '/rotate-key'], ['POST', '/disable'], ['POST', '/enable']] as const) {
      const missing = await adminRequest(system, method, `/v1/subscribers/${unknown}${path}`, method === 'PATCH' ? { name: 'Y' } : undefined);
      expect(missing.status).toBe(404);
    }
  });

  it("pauses a disabled subscriber's deliveries and sends them when it is enabled, leaving other destinations alone", async () => {
    const apiKey = await partner('subscriber-pause');
    const theirs = await receiver();
    const operators = await receiver();
    const owned = await destination(theirs.url, ['subscriber-pause']);
    const unowned = await destination(operators.url, ['subscriber-pause']);
    expect(unowned).toMatchObject({ mode: 'live', subscriberId: null });
    const subscriber = await adminRequest<Subscriber>(system, 'POST', '/v1/subscribers', { name: 'Paused CRM' });
    await sql.query('UPDATE destinations SET subscriber_id = $1 WHERE id = $2', [subscriber.body.id, owned.id]);
    expect((await adminRequest<Subscriber>(system, 'GET', `/v1/subscribers/${subscriber.body.id}`)).body.destinationCount).toBe(1);

    const disabled = await adminRequest<Subscriber>(system, 'POST', `/v1/subscribers/${subscriber.body.id}/disable`);
    expect(disabled.body.disabled).toBe(true);
    await submit(apiKey, 'paused-1@example.com');
    await waitFor(async () => (await deliveriesOf(owned.id))[0]?.status === 'paused', { description: "the disabled subscriber's delivery paused" });
    await waitFor(() => operators.received.length === 1, { description: "the operator's destination still delivered" });
    expect(theirs.received).toHaveLength(0);

    const enabled = await adminRequest<Subscriber & { resumedDeliveries: number }>(system, 'POST', `/v1/subscribers/${subscriber.body.id}/enable`);
    expect(enabled.body).toMatchObject({ disabled: false, resumedDeliveries: 1 });
    await waitFor(() => theirs.received.length === 1, { description: 'the paused delivery sent after enabling' });
    await waitFor(async () => (await deliveriesOf(owned.id))[0]?.status === 'delivered', { description: 'recorded as delivered' });
  });

  it("keeps a sandbox partner's leads on test destinations and every other partner's on live ones", async () => {
    const sandboxKey = await partner('crm-sandbox', true);
    const realKey = await partner('crm-real');
    const testReceiver = await receiver();
    const liveReceiver = await receiver();
    const testDestination = await destination(testReceiver.url, ['crm-sandbox', 'crm-real']);
    await destination(liveReceiver.url, ['crm-sandbox', 'crm-real']);
    await sql.query("UPDATE destinations SET mode = 'test' WHERE id = $1", [testDestination.id]);

    await submit(sandboxKey, 'sandbox-lead@example.com');
    await submit(realKey, 'real-lead@example.com');
    await waitFor(() => testReceiver.received.length === 1 && liveReceiver.received.length === 1, { description: 'one lead at each' });
    expect(JSON.parse(testReceiver.received[0]!.body.toString('utf8')).email).toBe('sandbox-lead@example.com');
    expect(JSON.parse(liveReceiver.received[0]!.body.toString('utf8')).email).toBe('real-lead@example.com');

    // A partner made sandbox later sends to test destinations from then on.
    expect((await adminRequest(system, 'PATCH', `/v1/partners/${await partnerId('crm-real')}`, { sandbox: true })).status).toBe(200);
    await submit(realKey, 'real-now-sandbox@example.com');
    await waitFor(() => testReceiver.received.length === 2, { description: 'the now-sandbox lead at the test destination' });
    expect(liveReceiver.received).toHaveLength(1);
  });

  async function partnerId(slug: string): Promise<string> {
    const listed = await adminRequest<{ partners: { id: string; slug: string }[] }>(system, 'GET', '/v1/partners');
    return listed.body.partners.find((found) => found.slug === slug)!.id;
  }

  it('lists destinations asking to go live, rejects one back to test with a reason, and approves one with a Partner ID', async () => {
    const apiKey = await partner('crm-review');
    const crm = await receiver();
    const asking = await destination(crm.url, ['nobody']);
    const askToGoLive = () =>
      sql.query(
        "UPDATE destinations SET mode = 'pending_review', live_description = 'Acme CRM', partner_id_label = 'Account ID', partner_id_help = 'Settings > Account' WHERE id = $1",
        [asking.id],
      );
    await askToGoLive();

    const pending = await adminRequest<{ destinations: Destination[] }>(system, 'GET', '/v1/destinations?mode=pending_review');
    expect(pending.body.destinations.map((found) => found.id)).toEqual([asking.id]);
    expect(pending.body.destinations[0]!.liveRequest).toEqual({ description: 'Acme CRM', partnerIdLabel: 'Account ID', partnerIdHelp: 'Settings > Account' });
    expect((await adminRequest(system, 'GET', '/v1/destinations?mode=paused')).status).toBe(400);

    const rejected = await adminRequest<Destination>(system, 'POST', `/v1/destinations/${asking.id}/reject`, { reason: 'Your receiver answers 500 to our samples' });
    expect(rejected.body).toMatchObject({ mode: 'test', reviewNote: 'Your receiver answers 500 to our samples' });
    const notAsking = await adminRequest<{ error: { code: string } }>(system, 'POST', `/v1/destinations/${asking.id}/approve`, { partnerId: 'acct-9' });
    expect(notAsking.status).toBe(409);
    expect((await adminRequest(system, 'POST', `/v1/destinations/${asking.id}/approve`, {})).status).toBe(400);

    await askToGoLive();
    const approved = await adminRequest<Destination>(system, 'POST', `/v1/destinations/${asking.id}/approve`, { partnerId: 'acct-9', sources: ['crm-review'] });
    expect(approved.body).toMatchObject({ mode: 'live', partnerId: 'acct-9', reviewNote: null });
    await submit(apiKey, 'review-lead@example.com');
    const delivered = await waitFor(() => crm.received[0], { description: 'a real lead at the approved destination' });
    expect(JSON.parse(delivered.body.toString('utf8'))).toMatchObject({ partner_id: 'acct-9', email: 'review-lead@example.com' });
  });
});
