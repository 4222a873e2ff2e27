import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { buildWebhookHeaders } from './webhook-headers.ts';
import { toStandardWebhookSecret, verifyLeadRouterSignature } from '@leadrelay/receiver';

const body = JSON.stringify({ action: 'created', id: 'lead-1', email: 'ann@example.com' });
const messageId = '7ca66bef-c704-47f2-b46e-0638291bae85';

function verifiesWithStandardWebhooks(secret: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(toStandardWebhookSecret(secret)).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

describe('buildWebhookHeaders', () => {
  it('signs the exact body as seed 003 and Standard Webhooks describe', () => {
    const headers = buildWebhookHeaders({ messageId, body, secrets: { current: 'secret-one-0123456789' } });
    expect(headers['x-lead-router-signature']).toBe(createHmac('sha256', 'secret-one-0123456789').update(body).digest('hex'));
    expect(headers['x-lead-router-message-id']).toBe(messageId);
    expect(headers['webhook-id']).toBe(messageId);
    expect(headers['user-agent']).toBe('LeadRelay-LeadRouter/1.0');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifiesWithStandardWebhooks('secret-one-0123456789', headers)).toBe(true);
  });

  it('during a rotation keeps the old secret on X-Lead-Router-Signature and signs webhook-signature with both', () => {
    const now = new Date();
    const secrets = { current: 'new-secret-0123456789', previous: 'old-secret-0123456789', switchAt: new Date(now.getTime() + 60_000) };
    const headers = buildWebhookHeaders({ messageId, body, secrets, now });
    expect(verifyLeadRouterSignature('old-secret-0123456789', body, headers['x-lead-router-signature']!)).toBe(true);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifiesWithStandardWebhooks('new-secret-0123456789', headers)).toBe(true);
    expect(verifiesWithStandardWebhooks('old-secret-0123456789', headers)).toBe(true);

    const after = buildWebhookHeaders({ messageId, body, secrets, now: new Date(now.getTime() + 60_000) });
    expect(verifyLeadRouterSignature('new-secret-0123456789', body, after['x-lead-router-signature']!)).toBe(true);
    expect(after['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifiesWithStandardWebhooks('old-secret-0123456789', after)).toBe(false);
  });
});
