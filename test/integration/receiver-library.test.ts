import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fastifyLeadRelayReceiver,
  LeadRelayReceiver,
  signLeadRouterBody,
  signStandardWebhook,
  WebhookSignatureError,
  WebhookTimestampError,
  type LeadRelayWebhook,
} from '@leadrelay/receiver';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { waitFor } from '../support/wait-for.ts';

const originalSecret = 'original-secret-0123456789';
const rotatedSecret = 'rotated-secret-0123456789';

/** A request exactly as the dispatcher made it, kept to be sent again as an attacker would. */
interface CapturedRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * A CRM's receiver built with @leadrelay/receiver against the real intake, worker and dispatcher:
 * the library accepts what LeadRelay sends and refuses what it did not send.
 */
describe('@leadrelay/receiver against the real dispatcher', () => {
  let system: LeadRelaySystem;
  let crm: FastifyInstance;
  let crmUrl: string;
  const verified = new Map<string, LeadRelayWebhook[]>();
  const captured = new Map<string, CapturedRequest[]>();
  /** How many first attempts each path fails with a 500, to see the retries verify too. */
  const failFirst = new Map<string, number>();

  beforeAll(async () => {
    system = await startLeadRelaySystem();
    crm = Fastify();
    // The CRM's own JSON routes beside the receiver: the plugin's raw-body parser stays inside it.
    crm.post('/api/notes', async (request) => ({ parsed: request.body }));
    const receiverAt = (prefix: string, secrets: string[]) =>
      crm.register(fastifyLeadRelayReceiver, {
        prefix,
        path: '/leads',
        secrets,
        onLead: (webhook, request) => {
          captured.set(prefix, [...(captured.get(prefix) ?? []), { body: request.body as Buffer, headers: plainHeaders(request.headers) }]);
          const failures = failFirst.get(prefix) ?? 0;
          if (failures > 0) {
            failFirst.set(prefix, failures - 1);
            throw new Error('the CRM database is briefly unavailable');
          }
          verified.set(prefix, [...(verified.get(prefix) ?? []), webhook]);
        },
      });
    await receiverAt('/crm', [originalSecret]);
    await receiverAt('/wrong-secret', ['some-other-secret-0123456789']);
    await receiverAt('/rotating', [rotatedSecret, originalSecret]);
    crmUrl = await crm.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await crm?.close();
    await system?.stop();
  });

  async function partner(slug: string): Promise<string> {
    const created = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: `Partner ${slug}`, slug, profile: 'canonical' });
    expect(created.status).toBe(201);
    return created.body.apiKey;
  }

  async function destination(slug: string, path: string, secret: string): Promise<string> {
    const created = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', {
      name: `CRM ${path}`,
      url: `${crmUrl}${path}/leads`,
      secret,
      partnerId: 'acct-7',
      sources: [slug],
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function submit(apiKey: string, path: string, body: unknown): Promise<{ leadId: string }> {
    const response = await fetch(`${system.intakeUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { results?: { leadId: string }[] };
    return { leadId: answer.results?.[0]?.leadId ?? '' };
  }

  function resend(path: string, request: CapturedRequest, body: Buffer | string = request.body): Promise<Response> {
    return fetch(`${crmUrl}${path}/leads`, { method: 'POST', headers: request.headers, body });
  }

  it('accepts every delivery of a lead, retries included, typed by action, and leaves the CRM its JSON routes', async () => {
    const apiKey = await partner('receiver-flow');
    const destinationId = await destination('receiver-flow', '/crm', originalSecret);
    failFirst.set('/crm', 1);
    const { leadId } = await submit(apiKey, '/v1/leads', { email: 'receiver-ann@example.com', firstName: 'Ann', phone: '+1 808 123 1234' });
    await submit(apiKey, `/v1/leads/${leadId}/activities`, { activities: [{ type: 'note', description: 'Called back' }] });

    const webhooks = await waitFor(() => ((verified.get('/crm') ?? []).length === 2 ? verified.get('/crm') : undefined), {
      description: 'both deliveries verified',
    });
    const created = webhooks.find((webhook) => webhook.lead.action === 'created')!;
    const added = webhooks.find((webhook) => webhook.lead.action === 'activity_added')!;
    expect(created.lead).toMatchObject({ id: leadId, partner_id: 'acct-7', email: 'receiver-ann@example.com', first_name: 'Ann', phone: '+18081231234' });
    if (added.lead.action !== 'activity_added') throw new Error('unreachable');
    expect(added.lead.activities.map((activity) => activity.description)).toEqual(['Called back']);

    // The first attempt was answered 500; its retry carries the same message id and verified.
    const [failedAttempt, ...later] = captured.get('/crm')!;
    const retry = later.find((request) => request.headers['webhook-id'] === failedAttempt!.headers['webhook-id'])!;
    expect(retry).toBeDefined();
    expect(webhooks.map((webhook) => webhook.messageId)).toContain(failedAttempt!.headers['webhook-id']);
    const deliveries = await adminRequest<{ deliveries: { status: string; attemptCount: number }[] }>(
      system,
      'GET',
      `/v1/deliveries?destinationId=${destinationId}`,
    );
    expect(deliveries.body.deliveries.map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']);
    expect(deliveries.body.deliveries.map((delivery) => delivery.attemptCount).sort()).toEqual([1, 2]);

    const notes = await fetch(`${crmUrl}/api/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
    expect(await notes.json()).toEqual({ parsed: { text: 'hi' } });
  });

  it('refuses a tampered body, a wrong secret and a stale timestamp, answering 401 or 406 as documented', async () => {
    const apiKey = await partner('receiver-attacks');
    await destination('receiver-attacks', '/crm', originalSecret);
    const before = (verified.get('/crm') ?? []).length;
    await submit(apiKey, '/v1/leads', { email: 'receiver-bob@example.com', firstName: 'Bob' });
    await waitFor(() => (verified.get('/crm') ?? []).length > before, { description: 'the delivery verified' });
    const genuine = captured.get('/crm')!.at(-1)!;

    const tampered = await resend('/crm', genuine, genuine.body.toString('utf8').replace('receiver-bob', 'receiver-eve'));
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ error: 'invalid_signature' });

    const wrongSecret = await resend('/wrong-secret', genuine);
    expect(wrongSecret.status).toBe(401);
    expect(captured.get('/wrong-secret')).toBeUndefined();

    // The same request ten minutes later, as a replaying attacker would send it.
    const tenMinutesLater = new LeadRelayReceiver({ secrets: originalSecret, now: () => new Date(Date.now() + 600_000) });
    expect(() => tenMinutesLater.verify(genuine.body, genuine.headers)).toThrow(WebhookTimestampError);
    expect(new LeadRelayReceiver({ secrets: originalSecret }).verify(genuine.body, genuine.headers).lead.email).toBe('receiver-bob@example.com');

    // Authentic bytes that are not a lead document cannot get better on a retry: 406 stops them.
    const unknownAction = JSON.stringify({ ...JSON.parse(genuine.body.toString('utf8')), action: 'merged' });
    const resigned = await resend('/crm', { body: Buffer.from(unknownAction), headers: signedLike(genuine, unknownAction) });
    expect(resigned.status).toBe(406);
    expect(await resigned.json()).toMatchObject({ error: 'invalid_lead_document' });
  });

  it('keeps verifying across a secret rotation, with both secrets until the switch-over and the new one after', async () => {
    const apiKey = await partner('receiver-rotation');
    const destinationId = await destination('receiver-rotation', '/rotating', originalSecret);
    const deliveredCount = () => (verified.get('/rotating') ?? []).length;

    await submit(apiKey, '/v1/leads', { email: 'rotation-before@example.com', firstName: 'Before' });
    await waitFor(() => deliveredCount() === 1, { description: 'the delivery before the rotation' });

    const rotating = await adminRequest(system, 'POST', `/v1/destinations/${destinationId}/rotate-secret`, {
      secret: rotatedSecret,
      switchAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(rotating.status).toBe(200);
    await submit(apiKey, '/v1/leads', { email: 'rotation-during@example.com', firstName: 'During' });
    await waitFor(() => deliveredCount() === 2, { description: 'the delivery during the rotation' });
    const during = captured.get('/rotating')!.at(-1)!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    // A CRM still on the old secret alone keeps verifying until the switch-over.
    expect(new LeadRelayReceiver({ secrets: originalSecret }).verify(during.body, during.headers).lead.first_name).toBe('During');

    const switched = await adminRequest(system, 'POST', `/v1/destinations/${destinationId}/rotate-secret`, {
      secret: rotatedSecret,
      switchAt: new Date().toISOString(),
    });
    expect(switched.status).toBe(200);
    await submit(apiKey, '/v1/leads', { email: 'rotation-after@example.com', firstName: 'After' });
    await waitFor(() => deliveredCount() === 3, { description: 'the delivery after the switch-over' });
    const after = captured.get('/rotating')!.at(-1)!;
    expect(new LeadRelayReceiver({ secrets: rotatedSecret }).verify(after.body, after.headers).lead.first_name).toBe('After');
    expect(() => new LeadRelayReceiver({ secrets: originalSecret }).verify(after.body, after.headers)).toThrow(WebhookSignatureError);
    expect(verified.get('/rotating')!.map((webhook) => webhook.lead.first_name)).toEqual(['Before', 'During', 'After']);
  });
});

function plainHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' && name !== 'content-length' && name !== 'host' && name !== 'connection') plain[name] = value;
  }
  return plain;
}

/** The genuine request's headers re-signed over another body, with the destination's own secret. */
function signedLike(genuine: CapturedRequest, body: string): Record<string, string> {
  const timestampSeconds = Math.floor(Date.now() / 1000);
  return {
    ...genuine.headers,
    'x-lead-router-signature': signLeadRouterBody(originalSecret, body),
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signStandardWebhook({ messageId: genuine.headers['webhook-id']!, timestampSeconds, body, secrets: [originalSecret] }),
  };
}
