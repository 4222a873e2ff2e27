import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { ScriptedReceiver } from '../support/scripted-receiver.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * A receiver that never answers, beside one answering 500 to everything, costs a healthy one
 * nothing: the healthy receiver gets each lead while the hanging one's first requests are still
 * open, however many leads come after each other. Leads come one at a time, each after the one
 * before arrived, so each is its own fan-out job: a fan-out job that waited for the hanging
 * receiver's answer would hold one of the dispatcher's few fan-out places until its timeout, and
 * with every place held the healthy receiver would get nothing until the hanging requests time out.
 */
describe('dispatcher: a hanging receiver and a failing one beside a healthy one', () => {
  let system: LeadRelaySystem;
  const stoppables: { stop(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    system = await startLeadRelaySystem();
  });

  afterAll(async () => {
    // Receivers first: their open connections end, so the dispatcher stops without waiting out timeouts.
    for (const stoppable of stoppables) await stoppable.stop();
    await system?.stop();
  });

  async function destination(body: Record<string, unknown>): Promise<string> {
    const created = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  }

  it('delivers every lead to the healthy receiver while the hanging one holds exactly its maxConcurrency requests', async () => {
    const created = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: 'Hang', slug: 'hang', profile: 'canonical' });
    expect(created.status).toBe(201);
    const hanging = await new ScriptedReceiver(() => {}).start();
    const failing = await new ScriptedReceiver((response) => response.writeHead(500).end('no')).start();
    const healthy = new WebhookReceiver();
    await healthy.start();
    stoppables.push(hanging, failing, healthy);
    // Longer than the test: while none of its requests has timed out, nothing waited for them.
    await destination({ name: 'Hangs', url: hanging.url, timeoutMs: 60_000, maxConcurrency: 10 });
    await destination({ name: 'Fails', url: failing.url });
    await destination({ name: 'Healthy', url: healthy.url });

    // More leads than the dispatcher has fan-out places (8) and the hanging destination has slots.
    const leadCount = 24;
    for (let index = 0; index < leadCount; index += 1) {
      const response = await fetch(`${system.intakeUrl}/v1/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.body.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: `hang-${index}@example.com`, firstName: 'Hang' }),
      });
      expect(response.status).toBe(202);
      await waitFor(() => healthy.received.length === index + 1, { timeoutMs: 45_000, description: `lead ${index + 1} at the healthy receiver` });
      expect(hanging.abandoned, 'hanging requests that timed out before the healthy receiver got its lead').toBe(0);
    }

    await waitFor(() => hanging.received === 10, { description: 'the hanging destination to fill its slots' });
    expect(hanging.open).toBe(10);
    expect(hanging.maxOpen).toBe(10);
    expect(hanging.abandoned).toBe(0);
    await waitFor(() => failing.received >= leadCount, { description: 'the failing destination to be tried for every lead' });
  }, 180_000);
});
