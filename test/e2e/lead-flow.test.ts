import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import pg from 'pg';
import { toStandardWebhookSecret, verifyLeadRouterSignature } from '@leadrelay/receiver';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { PrivateRedisCluster } from '../support/private-redis-cluster.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

// On the shared Redis and on a 3-primary Redis Cluster of the test's own (REDIS_CLUSTER_NODES).
describe.each([
  { redis: 'a single Redis', makeCluster: undefined },
  { redis: 'a Redis Cluster', makeCluster: () => new PrivateRedisCluster(3) },
])('a lead travels from a partner to a subscriber, on $redis', ({ makeCluster }) => {
  let system: LeadRelaySystem;
  const cluster = makeCluster?.();
  const receiver = new WebhookReceiver();
  const destinationSecret = 'receiver-secret-0123456789';

  beforeAll(async () => {
    await receiver.start();
    await cluster?.start();
    system = await startLeadRelaySystem(cluster ? { REDIS_CLUSTER_NODES: cluster.nodesEnv } : {});
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
    await cluster?.destroy();
  });

  it('is acknowledged, stored once, and delivered signed as seed 003 describes', async () => {
    const partner = await adminRequest<{ id: string; slug: string; profile: string; apiKey: string; secret: string }>(
      system,
      'POST',
      '/v1/partners',
      { name: 'Acme Leads', slug: 'acme', profile: 'canonical' },
    );
    expect(partner.status).toBe(201);
    expect(partner.body).toMatchObject({ slug: 'acme', profile: 'canonical' });
    expect(partner.body.apiKey).toMatch(/^lr_/);
    expect(partner.body.secret).toHaveLength(64);

    const destination = await adminRequest<{ id: string; secret: string }>(system, 'POST', '/v1/destinations', {
      name: 'CRM',
      url: receiver.url,
      secret: destinationSecret,
      partnerId: 'crm-account-42',
    });
    expect(destination.status).toBe(201);
    expect(destination.body.secret).toBe(destinationSecret);

    const submitted = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner.body.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        email: ' Jane.Doe@Example.COM ',
        firstName: 'Jane',
        lastName: 'Doe',
        phone: '(808) 555-0123',
        activities: [{ type: 'visited', description: 'Signed up on the landing page' }],
      }),
    });
    expect(submitted.status).toBe(202);
    const answer = (await submitted.json()) as { results: { status: string; leadId: string }[] };
    expect(answer.results).toHaveLength(1);
    expect(answer.results[0]!.status).toBe('created');
    const leadId = answer.results[0]!.leadId;

    const delivery = await waitFor(() => receiver.received[0], { description: 'the webhook' });
    const body = delivery.body.toString('utf8');

    // The signature is the hex HMAC-SHA256 of exactly the bytes received (seed 003's Go sample).
    const expected = createHmac('sha256', destinationSecret).update(delivery.body).digest('hex');
    expect(delivery.headers['x-lead-router-signature']).toBe(expected);
    expect(verifyLeadRouterSignature(destinationSecret, delivery.body, String(delivery.headers['x-lead-router-signature']))).toBe(true);
    expect(delivery.headers['x-lead-router-message-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivery.headers['user-agent']).toBe('LeadRelay-LeadRouter/1.0');
    expect(delivery.headers['content-type']).toBe('application/json');

    // Receivers using a Standard Webhooks library verify the same request.
    const verified = new Webhook(toStandardWebhookSecret(destinationSecret)).verify(body, {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ id: leadId });

    const document = JSON.parse(body);
    expect(document).toMatchObject({
      action: 'created',
      id: leadId,
      partner_id: 'crm-account-42',
      email: 'jane.doe@example.com',
      first_name: 'Jane',
      last_name: 'Doe',
      phone: '+18085550123',
      role: 'Buyer',
      source: 'Acme Leads',
    });
    expect(Object.keys(document).slice(0, 3)).toEqual(['action', 'id', 'partner_id']);
    expect(document.activities).toEqual([
      expect.objectContaining({ type: 'visited', description: 'Signed up on the landing page', source: 'Acme Leads' }),
    ]);
    expect(Date.parse(document.created)).not.toBeNaN();
    for (const field of ['site_uuid', 'site_domain', 'site_login_url']) expect(document[field]).toBeTruthy();

    const db = new pg.Client({ connectionString: system.databaseUrl });
    await db.connect();
    try {
      const leads = await db.query('SELECT id, email, phone FROM leads');
      expect(leads.rows).toEqual([{ id: leadId, email: 'jane.doe@example.com', phone: '+18085550123' }]);
      const deliveries = await waitFor(async () => {
        const rows = await db.query("SELECT status, attempt_count FROM deliveries WHERE status = 'delivered'");
        return rows.rowCount ? rows.rows : undefined;
      }, { description: 'the delivery to be recorded' });
      expect(deliveries).toEqual([{ status: 'delivered', attempt_count: 1 }]);
    } finally {
      await db.end();
    }
  });

  it('answers bad input with a clear 4xx and never a 5xx', async () => {
    const url = `${system.intakeUrl}/v1/leads`;
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', {
      name: 'Bad Input Partner',
      slug: 'bad-input',
      profile: 'canonical',
    });
    const auth = { authorization: `Bearer ${partner.body.apiKey}` };

    const malformed = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"email":' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'malformed_json' } });

    const noKey = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"a@b.co"}' });
    expect(noKey.status).toBe(401);

    const wrongKey = await fetch(url, {
      method: 'POST',
      headers: { authorization: 'Bearer lr_not-a-real-key', 'content-type': 'application/json' },
      body: '{"email":"a@b.co"}',
    });
    expect(wrongKey.status).toBe(401);

    const wrongType = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'email=a@b.co' });
    expect(wrongType.status).toBe(415);

    const tooLarge = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.co', notes: 'x'.repeat(1_100_000) }),
    });
    expect(tooLarge.status).toBe(413);

    const invalid = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"email":"nope"}' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      results: [{ index: 0, status: 'rejected', errors: [{ path: 'email', message: 'is not a valid email address' }] }],
    });

    const unauthorizedAdmin = await fetch(`${system.adminUrl}/v1/partners`, { headers: { authorization: 'Bearer wrong' } });
    expect(unauthorizedAdmin.status).toBe(401);
  });
});
