import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import pg from 'pg';
import { toStandardWebhookSecret, verifyLeadRouterSignature } from '@leadrelay/receiver';
import { adminRequest, startLeadRelaySystem, testAdminToken, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

// The schedule every test here runs on (startLeadRelaySystem's default), waits before attempts 2..8.
const scheduleMs = [50, 50, 50, 100, 100, 100, 100];

interface Delivery {
  id: string;
  destinationId: string;
  eventType: string;
  leadId: string;
  messageId: string;
  status: string;
  attemptCount: number;
  attempts: { number: number; statusCode: number | null; error: string | null; responseBody: string | null; nextAttemptAt: string | null }[];
}

describe('dispatcher: the seed 003 contract, outcomes, retries and the admin API around them', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  const receivers: { stop(): Promise<void> }[] = [];

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

  async function receiver(statuses: number[] = [200]): Promise<WebhookReceiver> {
    const started = new WebhookReceiver();
    started.statuses = statuses;
    await started.start();
    receivers.push(started);
    return started;
  }

  /** A partner of its own per test, so destinations filtered on it see only that test's leads. */
  async function partner(slug: string): Promise<{ slug: string; apiKey: string }> {
    const created = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: `Partner ${slug}`, slug, profile: 'canonical' });
    expect(created.status).toBe(201);
    return { slug, apiKey: created.body.apiKey };
  }

  async function destination(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const created = await adminRequest<{ id: string; secret: string }>(system, 'POST', '/v1/destinations', body);
    expect(created.status).toBe(201);
    return created.body;
  }

  async function submitLead(apiKey: string, lead: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(lead),
    });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { results: { leadId: string }[] };
    return answer.results[0]!.leadId;
  }

  async function addActivity(apiKey: string, leadId: string, description: string): Promise<void> {
    const response = await fetch(`${system.intakeUrl}/v1/leads/${leadId}/activities`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ activities: [{ type: 'note', description }] }),
    });
    expect(response.status).toBe(202);
  }

  async function deliveriesOf(destinationId: string): Promise<Delivery[]> {
    const listed = await adminRequest<{ deliveries: Delivery[] }>(system, 'GET', `/v1/deliveries?destinationId=${destinationId}&limit=200`);
    expect(listed.status).toBe(200);
    return listed.body.deliveries;
  }

  async function delivery(id: string): Promise<Delivery> {
    const fetched = await adminRequest<Delivery>(system, 'GET', `/v1/deliveries/${id}`);
    expect(fetched.status).toBe(200);
    return fetched.body;
  }

  /** The only delivery of a destination, once it has reached `status`. */
  async function onlyDeliveryWhen(destinationId: string, status: string): Promise<Delivery> {
    const [found] = await waitFor(
      async () => {
        const deliveries = await deliveriesOf(destinationId);
        return deliveries.length === 1 && deliveries[0]!.status === status ? deliveries : undefined;
      },
      { description: `the delivery to be ${status}` },
    );
    return delivery(found!.id);
  }

  function expectSignedBy(secret: string, webhook: ReceivedWebhook) {
    expect(verifyLeadRouterSignature(secret, webhook.body, String(webhook.headers['x-lead-router-signature']))).toBe(true);
  }

  function verifiesWithStandardWebhooks(secret: string, webhook: ReceivedWebhook): boolean {
    try {
      new Webhook(toStandardWebhookSecret(secret)).verify(webhook.body.toString('utf8'), standardHeaders(webhook.headers));
      return true;
    } catch {
      return false;
    }
  }

  it('signs every attempt, retries 500 once on the schedule, keeps the message id on retry and replay', async () => {
    const source = await partner('contract-retry');
    const crm = await receiver([500, 200]);
    const target = await destination({ name: 'CRM', url: crm.url, secret: 'retry-secret-0123456789', sources: [source.slug], partnerId: 'acct-7' });
    const leadId = await submitLead(source.apiKey, { email: 'retry@example.com', firstName: 'Rita' });

    const sent = await onlyDeliveryWhen(target.id, 'delivered');
    expect(crm.received).toHaveLength(2);
    const [first, second] = crm.received as [ReceivedWebhook, ReceivedWebhook];
    // Spaced by the schedule: the retry waits at least its delay after the first answer was recorded.
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(scheduleMs[0]!);
    for (const webhook of crm.received) {
      expectSignedBy('retry-secret-0123456789', webhook);
      expect(verifiesWithStandardWebhooks('retry-secret-0123456789', webhook)).toBe(true);
      expect(webhook.headers['x-lead-router-message-id']).toBe(sent.messageId);
      expect(webhook.headers['webhook-id']).toBe(sent.messageId);
      expect(webhook.headers['user-agent']).toBe('LeadRelay-LeadRouter/1.0');
      expect(JSON.parse(webhook.body.toString('utf8'))).toMatchObject({ action: 'created', id: leadId, partner_id: 'acct-7' });
    }
    expect(sent).toMatchObject({ eventType: 'created', leadId, attemptCount: 2 });
    expect(sent.attempts.map((attempt) => [attempt.number, attempt.statusCode, attempt.responseBody])).toEqual([
      [1, 500, 'no'],
      [2, 200, 'ok'],
    ]);
    expect(sent.attempts[0]!.nextAttemptAt).not.toBeNull();
    expect(sent.attempts[1]!.nextAttemptAt).toBeNull();

    const replay = await adminRequest<Delivery>(system, 'POST', `/v1/deliveries/${sent.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.messageId).toBe(sent.messageId);
    const third = await waitFor(() => crm.received[2], { description: 'the replay' });
    expect(third.headers['x-lead-router-message-id']).toBe(sent.messageId);
    expect(third.body.equals(first.body)).toBe(true);
    const replayed = await waitFor(async () => {
      const found = await delivery(sent.id);
      return found.attemptCount === 3 && found.status === 'delivered' ? found : undefined;
    }, { description: 'the replay recorded' });
    expect(replayed.attempts.map((attempt) => attempt.number)).toEqual([1, 2, 3]);
  });

  it('stops after one attempt on 406', async () => {
    const source = await partner('contract-refuse');
    const crm = await receiver([406]);
    const target = await destination({ name: 'Refuser', url: crm.url, sources: [source.slug] });
    await submitLead(source.apiKey, { email: 'refused@example.com' });

    const stopped = await onlyDeliveryWhen(target.id, 'stopped');
    expect(stopped.attempts).toHaveLength(1);
    expect(stopped.attempts[0]).toMatchObject({ statusCode: 406, nextAttemptAt: null });
    expect(crm.received).toHaveLength(1);
    const destinationNow = await adminRequest<{ enabled: boolean }>(system, 'GET', `/v1/destinations/${target.id}`);
    expect(destinationNow.body.enabled).toBe(true);
  });

  it('stops on 410 and disables the destination with the reason; its next deliveries are kept paused', async () => {
    const source = await partner('contract-gone');
    const crm = await receiver([410]);
    const target = await destination({ name: 'Gone', url: crm.url, sources: [source.slug] });
    await submitLead(source.apiKey, { email: 'gone@example.com' });

    await onlyDeliveryWhen(target.id, 'stopped');
    const disabled = await adminRequest<{ enabled: boolean; disabledReason: string }>(system, 'GET', `/v1/destinations/${target.id}`);
    expect(disabled.body.enabled).toBe(false);
    expect(disabled.body.disabledReason).toMatch(/410/);

    await submitLead(source.apiKey, { email: 'gone-later@example.com' });
    const paused = await waitFor(async () => (await deliveriesOf(target.id)).find((found) => found.status === 'paused'), {
      description: 'the new delivery to be paused',
    });
    expect(crm.received).toHaveLength(1);
    // Replays wait for the destination to be enabled, which sends paused deliveries anyway.
    const refused = await adminRequest<{ error: { code: string } }>(system, 'POST', `/v1/deliveries/${paused.id}/replay`);
    expect(refused.status).toBe(409);
  });

  it('runs the full eight-attempt schedule to `failed`, then a destination replay sends it again', async () => {
    const source = await partner('contract-fail');
    const crm = await receiver([500]);
    const target = await destination({ name: 'Down', url: crm.url, secret: 'failing-secret-0123456789', sources: [source.slug] });
    const before = new Date().toISOString();
    await submitLead(source.apiKey, { email: 'failing@example.com' });

    const failed = await onlyDeliveryWhen(target.id, 'failed');
    expect(failed.attempts.map((attempt) => attempt.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(failed.attempts.slice(0, 7).every((attempt) => attempt.nextAttemptAt !== null)).toBe(true);
    expect(failed.attempts[7]!.nextAttemptAt).toBeNull();
    expect(crm.received).toHaveLength(8);
    for (const [index, webhook] of crm.received.entries()) {
      expect(webhook.headers['x-lead-router-message-id']).toBe(failed.messageId);
      if (index > 0) expect(webhook.receivedAt - crm.received[index - 1]!.receivedAt).toBeGreaterThanOrEqual(scheduleMs[index - 1]!);
    }

    crm.statuses = [200];
    const replay = await adminRequest<{ replayed: number }>(system, 'POST', `/v1/destinations/${target.id}/replay`, { since: before });
    expect(replay).toEqual({ status: 202, body: { replayed: 1, contentExpired: 0 } });
    const delivered = await onlyDeliveryWhen(target.id, 'delivered');
    expect(delivered.messageId).toBe(failed.messageId);
    expect(delivered.attempts).toHaveLength(9);
    expect(crm.received[8]!.headers['x-lead-router-message-id']).toBe(failed.messageId);
  });

  it('routes by event filters and source filters, and pages through deliveries with a cursor', async () => {
    const one = await partner('filter-one');
    const two = await partner('filter-two');
    const everythingFromOne = await receiver();
    const createdOnly = await receiver();
    const activitiesFromTwo = await receiver();
    const a = await destination({ name: 'All from one', url: everythingFromOne.url, sources: [one.slug] });
    const b = await destination({ name: 'Created only', url: createdOnly.url, sources: [one.slug, two.slug], events: ['created'] });
    const c = await destination({ name: 'Activities from two', url: activitiesFromTwo.url, sources: [two.slug], events: ['activity_added'] });

    const leadOne = await submitLead(one.apiKey, { email: 'filter-one@example.com' });
    const leadTwo = await submitLead(two.apiKey, { email: 'filter-two@example.com' });
    await waitFor(() => everythingFromOne.received.length === 1 && createdOnly.received.length === 2, { description: 'the created events' });
    await addActivity(one.apiKey, leadOne, 'called back');
    await addActivity(two.apiKey, leadTwo, 'asked for a brochure');
    // Every event fanned out: no delivery can appear after this.
    await waitFor(
      async () => (await sql.query('SELECT count(*)::int AS n FROM events WHERE fanned_out_at IS NOT NULL AND lead_id = ANY($1)', [[leadOne, leadTwo]])).rows[0].n === 4,
      { description: 'all four events fanned out' },
    );
    const routed = async (destinationId: string) =>
      (await deliveriesOf(destinationId)).map((found) => `${found.leadId === leadOne ? 'one' : 'two'}:${found.eventType}`).sort();
    expect(await routed(a.id)).toEqual(['one:activity_added', 'one:created']);
    expect(await routed(b.id)).toEqual(['one:created', 'two:created']);
    expect(await routed(c.id)).toEqual(['two:activity_added']);
    await waitFor(() => everythingFromOne.received.length === 2 && activitiesFromTwo.received.length === 1, { description: 'the activities' });
    expect(JSON.parse(activitiesFromTwo.received[0]!.body.toString('utf8'))).toMatchObject({
      action: 'activity_added',
      id: leadTwo,
      activities: [expect.objectContaining({ type: 'note', description: 'asked for a brochure' })],
    });

    const firstPage = await adminRequest<{ deliveries: Delivery[]; nextCursor: string }>(system, 'GET', `/v1/deliveries?destinationId=${b.id}&limit=1`);
    expect(firstPage.body.deliveries).toHaveLength(1);
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));
    const secondPage = await adminRequest<{ deliveries: Delivery[]; nextCursor: string | null }>(
      system,
      'GET',
      `/v1/deliveries?destinationId=${b.id}&limit=1&cursor=${firstPage.body.nextCursor}`,
    );
    expect(secondPage.body.deliveries).toHaveLength(1);
    expect(secondPage.body.nextCursor).toBeNull();
    expect(secondPage.body.deliveries[0]!.id).not.toBe(firstPage.body.deliveries[0]!.id);
    const delivered = await adminRequest<{ deliveries: Delivery[] }>(system, 'GET', `/v1/deliveries?destinationId=${a.id}&status=delivered`);
    expect(delivered.body.deliveries).toHaveLength(2);
    const badCursor = await adminRequest(system, 'GET', '/v1/deliveries?cursor=not-a-cursor');
    expect(badCursor.status).toBe(400);
  });

  it("sends one lead's deliveries in event order when they succeed first time", async () => {
    const source = await partner('ordered');
    // Answers `created` slowly: without ordering, the activities would overtake it.
    const log: { action: string; event: 'received' | 'answered' }[] = [];
    const server = await slowReceiver(log, { action: 'created', delayMs: 300 });
    receivers.push(server);
    const target = await destination({ name: 'Ordered', url: server.url, sources: [source.slug] });

    const leadId = await submitLead(source.apiKey, { email: 'ordered@example.com', activities: [{ type: 'visited', description: 'first visit' }] });
    await addActivity(source.apiKey, leadId, 'second');
    await addActivity(source.apiKey, leadId, 'third');
    await waitFor(() => log.filter((entry) => entry.event === 'answered').length === 3, { description: 'three deliveries' });
    expect(log.map((entry) => `${entry.event}:${entry.action}`)).toEqual([
      'received:created',
      'answered:created',
      'received:activity_added',
      'answered:activity_added',
      'received:activity_added',
      'answered:activity_added',
    ]);
    // The receiver has answered; the dispatcher records each outcome just after.
    await waitFor(async () => (await deliveriesOf(target.id)).filter((found) => found.status === 'delivered').length === 3, {
      description: 'three deliveries recorded as delivered',
    });
    expect((await deliveriesOf(target.id)).map((found) => found.attemptCount)).toEqual([1, 1, 1]);
    // The worker may store the two activity submissions in either order; the events' order is the truth.
    const events = await sql.query('SELECT document FROM events WHERE lead_id = $1 ORDER BY sequence', [leadId]);
    const recorded = events.rows.map((row: { document: { activities: { description: string }[] } }) =>
      row.document.activities.map((activity) => activity.description),
    );
    expect(recorded).toHaveLength(3);
    expect(server.descriptions()).toEqual(recorded);
  });

  it('rotates the secret without breaking receivers that check only X-Lead-Router-Signature', async () => {
    const source = await partner('rotation');
    const crm = await receiver();
    const target = await destination({ name: 'Rotating', url: crm.url, secret: 'old-secret-0123456789', sources: [source.slug] });

    const rotated = await adminRequest<{ secret: string; secretSwitchAt: string }>(system, 'POST', `/v1/destinations/${target.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe('old-secret-0123456789');
    const switchInMs = Date.parse(rotated.body.secretSwitchAt) - Date.now();
    expect(switchInMs).toBeGreaterThan(23 * 3_600_000);
    expect(switchInMs).toBeLessThanOrEqual(24 * 3_600_000);

    await submitLead(source.apiKey, { email: 'rotation-1@example.com' });
    const during = await waitFor(() => crm.received[0], { description: 'a delivery during the rotation' });
    expectSignedBy('old-secret-0123456789', during);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWithStandardWebhooks('old-secret-0123456789', during)).toBe(true);
    expect(verifiesWithStandardWebhooks(rotated.body.secret, during)).toBe(true);

    const now = await adminRequest<{ secret: string; secretSwitchAt: string | null }>(system, 'POST', `/v1/destinations/${target.id}/rotate-secret`, {
      secret: 'newest-secret-0123456789',
      switchAt: new Date().toISOString(),
    });
    expect(now.body).toMatchObject({ secret: 'newest-secret-0123456789', secretSwitchAt: null });
    await submitLead(source.apiKey, { email: 'rotation-2@example.com' });
    const after = await waitFor(() => crm.received[1], { description: 'a delivery after the switch-over' });
    expectSignedBy('newest-secret-0123456789', after);
    expect(verifiesWithStandardWebhooks('newest-secret-0123456789', after)).toBe(true);
    expect(verifiesWithStandardWebhooks('old-secret-0123456789', after)).toBe(false);
  });

  it('tests a destination with a signed sample, and changes, disables, enables and deletes it', async () => {
    const crm = await receiver([202]);
    const target = await destination({ name: 'Sample', url: crm.url, secret: 'sample-secret-0123456789', partnerId: 'acct-1', sources: ['nobody'] });
    const tested = await adminRequest<{ accepted: boolean; statusCode: number; messageId: string; responseBody: string }>(
      system,
      'POST',
      `/v1/destinations/${target.id}/test`,
    );
    expect(tested.body).toMatchObject({ accepted: true, statusCode: 202, responseBody: 'ok', error: null });
    expect(crm.received).toHaveLength(1);
    expectSignedBy('sample-secret-0123456789', crm.received[0]!);
    expect(crm.received[0]!.headers['x-lead-router-message-id']).toBe(tested.body.messageId);
    expect(JSON.parse(crm.received[0]!.body.toString('utf8'))).toMatchObject({ action: 'created', partner_id: 'acct-1', first_name: 'Test' });
    expect(await deliveriesOf(target.id)).toEqual([]);

    const unreachable = await destination({ name: 'Nobody home', url: 'http://127.0.0.1:1/hooks', timeoutMs: 2000, sources: ['nobody'] });
    const failedTest = await adminRequest<{ accepted: boolean; error: string }>(system, 'POST', `/v1/destinations/${unreachable.id}/test`);
    expect(failedTest.body).toMatchObject({ accepted: false, statusCode: null, error: expect.stringMatching(/ECONNREFUSED/) });

    const patched = await adminRequest<{ name: string; maxConcurrency: number; events: string[]; partnerId: string | null }>(
      system,
      'PATCH',
      `/v1/destinations/${target.id}`,
      { name: 'Renamed', maxConcurrency: 3, events: ['updated'], partnerId: null },
    );
    expect(patched.body).toMatchObject({ name: 'Renamed', maxConcurrency: 3, events: ['updated'], partnerId: null });
    expect((await adminRequest(system, 'PATCH', `/v1/destinations/${target.id}`, { secret: 'not-this-way-0123456789' })).status).toBe(400);
    expect((await adminRequest(system, 'PATCH', `/v1/destinations/${target.id}`, { url: 'ftp://example.com/x' })).status).toBe(400);

    const disabled = await adminRequest<{ enabled: boolean; disabledReason: string }>(system, 'POST', `/v1/destinations/${target.id}/disable`, {
      reason: 'maintenance window',
    });
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: 'maintenance window' });
    const enabled = await adminRequest<{ enabled: boolean; resumedDeliveries: number }>(system, 'POST', `/v1/destinations/${target.id}/enable`);
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, resumedDeliveries: 0 });

    const deleted = await fetch(`${system.adminUrl}/v1/destinations/${target.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${testAdminToken}` },
    });
    expect(deleted.status).toBe(204);
    expect((await adminRequest(system, 'GET', `/v1/destinations/${target.id}`)).status).toBe(404);
    const listed = await adminRequest<{ destinations: { id: string }[] }>(system, 'GET', '/v1/destinations');
    expect(listed.body.destinations.map((found) => found.id)).not.toContain(target.id);
    expect((await adminRequest(system, 'POST', `/v1/destinations/${target.id}/replay`, { since: new Date().toISOString() })).status).toBe(404);
  });
});

/** The headers a Standard Webhooks library reads, as plain strings. */
function standardHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  };
}

/** A receiver that logs when each request arrives and is answered, answering one action slowly. */
async function slowReceiver(
  log: { action: string; event: 'received' | 'answered' }[],
  slow: { action: string; delayMs: number },
): Promise<{ url: string; stop(): Promise<void>; descriptions(): string[][] }> {
  const bodies: { activities: { description: string }[] }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const document = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string; activities: { description: string }[] };
      bodies.push(document);
      log.push({ action: document.action, event: 'received' });
      const answer = () => {
        log.push({ action: document.action, event: 'answered' });
        response.end('ok');
      };
      if (document.action === slow.action) setTimeout(answer, slow.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    descriptions: () => bodies.map((body) => body.activities.map((activity) => activity.description)),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
