import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppProcess } from '../support/app-process.ts';
import { freePort } from '../support/free-port.ts';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { ScriptedReceiver } from '../support/scripted-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

interface Delivery {
  id: string;
  status: string;
  attemptCount: number;
  attempts: { statusCode: number | null; error: string | null; responseBody: string | null }[];
}

describe('dispatcher: one bad destination does not hurt the others', () => {
  let system: LeadRelaySystem;
  let secondDispatcher: AppProcess;
  const stoppables: { stop(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    // Few worker slots per process, so a parked or waiting job that held one would starve the rest.
    system = await startLeadRelaySystem({ DISPATCHER_CONCURRENCY: '12' });
    const port = await freePort();
    secondDispatcher = new AppProcess('dispatcher', { ...system.apps.dispatcher.env, DISPATCHER_HEALTH_PORT: String(port) }, port);
    await secondDispatcher.start();
  });

  afterAll(async () => {
    // Receivers first: their open connections end, so the dispatchers stop without waiting out timeouts.
    for (const stoppable of stoppables) await stoppable.stop();
    await secondDispatcher?.stop();
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

  async function submitLeads(apiKey: string, count: number, tag: string): Promise<void> {
    const leads = Array.from({ length: count }, (_, index) => ({ email: `${tag}-${index}@example.com`, firstName: 'Iso' }));
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(leads),
    });
    expect(response.status).toBe(202);
  }

  async function deliveriesOf(destinationId: string, status?: string): Promise<Delivery[]> {
    const query = `destinationId=${destinationId}&limit=200${status ? `&status=${status}` : ''}`;
    return (await adminRequest<{ deliveries: Delivery[] }>(system, 'GET', `/v1/deliveries?${query}`)).body.deliveries;
  }

  it('keeps a hanging destination to its concurrency over two dispatchers while another gets everything', async () => {
    const apiKey = await partner('isolation');
    const hanging = await new ScriptedReceiver(() => {}).start();
    const healthy = new WebhookReceiver();
    await healthy.start();
    stoppables.push(hanging, healthy);
    // A timeout longer than the test: its requests stay in flight the whole time.
    const hangingId = await destination({ name: 'Hangs', url: hanging.url, timeoutMs: 60_000, sources: ['isolation'] });
    const healthyId = await destination({ name: 'Healthy', url: healthy.url, sources: ['isolation'] });

    await submitLeads(apiKey, 40, 'iso');
    await waitFor(() => healthy.received.length === 40, { timeoutMs: 60_000, description: 'the healthy destination to get all 40' });
    await waitFor(() => hanging.received >= 10, { description: 'the hanging destination to fill its slots' });

    // Default maxConcurrency is 10, shared by both dispatcher processes (24 worker slots between them).
    expect(hanging.received).toBe(10);
    expect(hanging.open).toBe(10);
    expect(hanging.maxOpen).toBe(10);
    const delivered = await waitFor(async () => {
      const found = await deliveriesOf(healthyId, 'delivered');
      return found.length === 40 ? found : undefined;
    }, { description: 'the healthy deliveries recorded' });
    expect(delivered.every((found) => found.attemptCount === 1)).toBe(true);
    expect(await deliveriesOf(hangingId, 'pending')).toHaveLength(40);
    expect(hanging.maxOpen).toBe(10);
  });

  it('is not held by a 1 MiB answer, an endless one, or one trickling past the timeout', async () => {
    const apiKey = await partner('bodies');
    const big = await new ScriptedReceiver((response) => {
      const body = Buffer.alloc(1_048_576, 'a');
      response.writeHead(200, { 'content-length': body.length }).end(body);
    }).start();
    const endless = await new ScriptedReceiver((response, receiver) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'b');
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) receiver.bytesWritten += chunk.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    }).start();
    const trickle = await new ScriptedReceiver((response) => {
      response.writeHead(200);
      const timer = setInterval(() => response.write('.'), 50);
      response.on('close', () => clearInterval(timer));
    }).start();
    stoppables.push(big, endless, trickle);
    const bigId = await destination({ name: 'Big', url: big.url, sources: ['bodies'] });
    const endlessId = await destination({ name: 'Endless', url: endless.url, sources: ['bodies'] });
    // One slot: the second delivery can only go once the first trickle has been cut at the timeout.
    const trickleId = await destination({ name: 'Trickle', url: trickle.url, sources: ['bodies'], timeoutMs: 1_000, maxConcurrency: 1 });

    await submitLeads(apiKey, 2, 'bodies');
    for (const id of [bigId, endlessId, trickleId]) {
      await waitFor(async () => (await deliveriesOf(id, 'delivered')).length === 2 || undefined, {
        timeoutMs: 30_000,
        description: 'both deliveries delivered',
      });
    }
    const details = async (id: string) =>
      Promise.all((await deliveriesOf(id)).map(async (found) => (await adminRequest<Delivery>(system, 'GET', `/v1/deliveries/${found.id}`)).body));
    for (const delivery of await details(bigId)) expect(delivery.attempts).toEqual([expect.objectContaining({ statusCode: 200, responseBody: 'a'.repeat(1024) })]);
    for (const delivery of await details(endlessId)) expect(delivery.attempts).toEqual([expect.objectContaining({ statusCode: 200, responseBody: 'b'.repeat(1024) })]);
    for (const delivery of await details(trickleId)) {
      expect(delivery.attempts).toEqual([expect.objectContaining({ statusCode: 200, responseBody: expect.stringMatching(/^\.*$/) })]);
    }
    // The dispatcher hung up on the endless and trickling answers; it never read the endless one whole.
    await waitFor(() => endless.abandoned === 2 && trickle.abandoned === 2, { description: 'the dispatcher to hang up' });
    expect(endless.bytesWritten).toBeLessThan(64 * 1_048_576);
    expect(trickle.maxOpen).toBe(1);
  });
});
