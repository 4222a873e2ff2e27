import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { fastifyLeadRelayReceiver } from './fastify-lead-relay-receiver.ts';
import { signLeadRouterBody } from './lead-router-signature.ts';
import { signStandardWebhook } from './standard-webhook-signature.ts';

const secret = 'destination-secret-0123456789';
const body = JSON.stringify({
  action: 'activity_added',
  id: 'lead-1',
  partner_id: 'acct-1',
  site_uuid: 'u',
  site_domain: 'd',
  activities: [{ type: 'note', description: 'Called', source: 'CRM' }],
});

function headersFor(signedBody: string): Record<string, string> {
  const timestampSeconds = Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'x-lead-router-message-id': 'message-1',
    'x-lead-router-signature': signLeadRouterBody(secret, signedBody),
    'webhook-id': 'message-1',
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signStandardWebhook({ messageId: 'message-1', timestampSeconds, body: signedBody, secrets: [secret] }),
  };
}

describe('fastifyLeadRelayReceiver', () => {
  it('answers 200 after onLead, 500 when it throws, and lets onLead answer itself', async () => {
    const outcomes: ('ok' | 'throw' | 'refuse')[] = ['ok', 'throw', 'refuse'];
    const seen: string[] = [];
    const app = Fastify();
    await app.register(fastifyLeadRelayReceiver, {
      secrets: secret,
      onLead: async (webhook, _request, reply) => {
        seen.push(`${webhook.messageId}:${webhook.lead.action}`);
        const outcome = outcomes.shift();
        if (outcome === 'throw') throw new Error('store unavailable');
        if (outcome === 'refuse') return reply.code(406).send({ error: 'unknown_partner_id' });
      },
    });
    const post = () => app.inject({ method: 'POST', url: '/', headers: headersFor(body), payload: body });
    expect((await post()).statusCode).toBe(200);
    expect((await post()).statusCode).toBe(500);
    const refused = await post();
    expect(refused.statusCode).toBe(406);
    expect(refused.json()).toEqual({ error: 'unknown_partner_id' });
    expect(seen).toEqual(['message-1:activity_added', 'message-1:activity_added', 'message-1:activity_added']);
    await app.close();
  });

  it('answers 401 to an unverified request and 406 to an authentic non-lead, without calling onLead', async () => {
    let calls = 0;
    const app = Fastify();
    await app.register(fastifyLeadRelayReceiver, { secrets: secret, path: '/leads', onLead: () => void calls++ });
    const unsigned = await app.inject({ method: 'POST', url: '/leads', headers: { 'content-type': 'application/json' }, payload: body });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toMatchObject({ error: 'missing_header' });
    const empty = await app.inject({ method: 'POST', url: '/leads', headers: headersFor('') });
    expect(empty.statusCode).toBe(406);
    const notALead = '{"action":"created"}';
    const refused = await app.inject({ method: 'POST', url: '/leads', headers: headersFor(notALead), payload: notALead });
    expect(refused.statusCode).toBe(406);
    expect(refused.json()).toMatchObject({ error: 'invalid_lead_document' });
    expect(calls).toBe(0);
    await app.close();
  });
});
