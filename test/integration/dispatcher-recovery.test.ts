import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

interface Delivery {
  id: string;
  messageId: string;
  status: string;
  attemptCount: number;
  attempts: { number: number; statusCode: number | null }[];
}

describe('dispatcher: recovery from a crash and from a destination that failed too long', () => {
  let system: LeadRelaySystem;
  const stoppables: { stop(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    system = await startLeadRelaySystem({
      // A killed dispatcher's jobs are taken over after 2 s instead of 30 s.
      DISPATCH_STALLED_AFTER: '2s',
      // Shorter than the shortened schedule's eight attempts (at least 550 ms from first to last).
      DISPATCH_AUTO_DISABLE_AFTER: '300ms',
    });
  });

  afterAll(async () => {
    for (const stoppable of stoppables) await stoppable.stop();
    await system?.stop();
  });

  async function partner(slug: string): Promise<string> {
    const created = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: slug, slug, profile: 'canonical' });
    expect(created.status).toBe(201);
    return created.body.apiKey;
  }

  async function destination(body: Record<string, unknown>): Promise<string> {
    const created = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', body);
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function submitLead(apiKey: string, email: string): Promise<void> {
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(response.status).toBe(202);
  }

  async function deliveriesOf(destinationId: string): Promise<Delivery[]> {
    return (await adminRequest<{ deliveries: Delivery[] }>(system, 'GET', `/v1/deliveries?destinationId=${destinationId}`)).body.deliveries;
  }

  it('resends with the same message id when a dispatcher is killed mid-delivery and another starts', async () => {
    const apiKey = await partner('crash');
    // Holds the first request unanswered, so the dispatcher is killed in the middle of it.
    const seen: IncomingHttpHeaders[] = [];
    let holdFirst = true;
    const held: ServerResponse[] = [];
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        seen.push(request.headers);
        if (holdFirst) held.push(response);
        else response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stoppables.push({
      stop: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    });
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
    const destinationId = await destination({ name: 'Crash', url, sources: ['crash'] });

    await submitLead(apiKey, 'crash@example.com');
    await waitFor(() => seen.length === 1, { description: 'the first request' });
    expect(await system.apps.dispatcher.stop('SIGKILL')).toBeNull();
    holdFirst = false;
    await system.apps.dispatcher.start();

    await waitFor(() => seen.length === 2, { timeoutMs: 30_000, description: 'the request sent again after the restart' });
    expect(seen[1]!['x-lead-router-message-id']).toBe(seen[0]!['x-lead-router-message-id']);
    expect(seen[1]!['webhook-id']).toBe(seen[0]!['x-lead-router-message-id']);
    const [delivered] = await waitFor(async () => {
      const found = await deliveriesOf(destinationId);
      return found[0]?.status === 'delivered' ? found : undefined;
    }, { description: 'the delivery recorded' });
    expect(delivered!.messageId).toBe(seen[0]!['x-lead-router-message-id']);
    // The killed attempt left no record (it never finished); the one that did is attempt 1.
    const detail = (await adminRequest<Delivery>(system, 'GET', `/v1/deliveries/${delivered!.id}`)).body;
    expect(detail.attempts).toEqual([expect.objectContaining({ number: 1, statusCode: 200 })]);
  });

  it('disables a destination failing too long, keeps its deliveries paused, and sends them when enabled', async () => {
    const apiKey = await partner('streak');
    const crm = new WebhookReceiver();
    crm.statuses = [500];
    await crm.start();
    stoppables.push(crm);
    const destinationId = await destination({ name: 'Streak', url: crm.url, sources: ['streak'] });

    await submitLead(apiKey, 'streak-1@example.com');
    const [first] = await waitFor(async () => {
      const found = await deliveriesOf(destinationId);
      return found[0]?.status === 'paused' ? found : undefined;
    }, { description: 'the failing delivery to be paused' });
    const disabled = (await adminRequest<{ enabled: boolean; disabledReason: string; failingSince: string }>(system, 'GET', `/v1/destinations/${destinationId}`)).body;
    expect(disabled.enabled).toBe(false);
    expect(disabled.disabledReason).toMatch(/disabled automatically: deliveries have failed without a success since .* last error: HTTP 500/);
    const attemptsWhenDisabled = crm.received.length;
    expect(attemptsWhenDisabled).toBeLessThan(8);

    await submitLead(apiKey, 'streak-2@example.com');
    await waitFor(async () => {
      const found = await deliveriesOf(destinationId);
      return found.length === 2 && found.every((delivery) => delivery.status === 'paused');
    }, { description: 'the new delivery to be kept paused' });
    expect(crm.received).toHaveLength(attemptsWhenDisabled);

    crm.statuses = [200];
    const enabled = await adminRequest<{ enabled: boolean; resumedDeliveries: number; disabledReason: string | null }>(
      system,
      'POST',
      `/v1/destinations/${destinationId}/enable`,
    );
    expect(enabled.body).toMatchObject({ enabled: true, resumedDeliveries: 2, disabledReason: null });
    await waitFor(async () => (await deliveriesOf(destinationId)).every((delivery) => delivery.status === 'delivered'), {
      description: 'both deliveries sent after enabling',
    });
    const messageIds = crm.received.slice(attemptsWhenDisabled).map((webhook) => webhook.headers['x-lead-router-message-id']);
    expect(messageIds).toHaveLength(2);
    expect(messageIds).toContain(first!.messageId);
    const afterEnable = (await adminRequest<{ failingSince: string | null }>(system, 'GET', `/v1/destinations/${destinationId}`)).body;
    expect(afterEnable.failingSince).toBeNull();
  });
});
