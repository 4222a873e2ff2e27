import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { InvalidLeadDocumentError } from './errors/invalid-lead-document-error.ts';
import { MissingWebhookHeaderError } from './errors/missing-webhook-header-error.ts';
import { WebhookSignatureError } from './errors/webhook-signature-error.ts';
import { WebhookTimestampError } from './errors/webhook-timestamp-error.ts';
import { LeadRelayReceiver, verifyLeadRelayWebhook } from './lead-relay-receiver.ts';
import { toStandardWebhookSecret } from './standard-webhook-signature.ts';

const secret = 'destination-secret-0123456789';
const messageId = '7ca66bef-c704-47f2-b46e-0638291bae85';
const signedAt = new Date('2026-12-03T10:00:00Z');
const lead = {
  action: 'created',
  id: 'lead-1',
  partner_id: 'acct-1',
  source: 'Website Property Search',
  site_uuid: 'b3f1c2d4-0000-4000-8000-000000000001',
  site_domain: 'homes.example.com',
  site_login_url: 'https://homes.example.com/login/lead-1',
  email: 'ann@example.com',
  first_name: 'Ann',
  role: 'Buyer',
  phone: '+18081231234',
  activities: [{ type: 'property_viewed', description: 'Viewed 123 Keolu Rd', property: { mls: '981112', beds: 3 }, source: 'Website' }],
  created: '2026-12-03T09:59:00.000Z',
};
const body = JSON.stringify(lead);

/**
 * Headers made as LeadRelay sends them, but by independent code: the Standard Webhooks reference
 * library and seed 003's formula, so a bug shared by our signer and verifier cannot hide.
 */
function signedHeaders(options: { body?: string; secrets?: string[]; leadRouterSecret?: string; at?: Date } = {}): Record<string, string> {
  const signed = options.body ?? body;
  const secrets = options.secrets ?? [secret];
  const at = options.at ?? signedAt;
  return {
    'content-type': 'application/json',
    'x-lead-router-message-id': messageId,
    'x-lead-router-signature': createHmac('sha256', options.leadRouterSecret ?? secrets[0]!).update(signed).digest('hex'),
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((each) => new Webhook(toStandardWebhookSecret(each)).sign(messageId, at, signed)).join(' '),
  };
}

const receiver = new LeadRelayReceiver({ secrets: secret, now: () => signedAt });

describe('LeadRelayReceiver', () => {
  it('verifies a delivery and returns its message id, signing time and parsed lead', () => {
    const webhook = receiver.verify(Buffer.from(body), signedHeaders());
    expect(webhook.messageId).toBe(messageId);
    expect(webhook.signedAt).toEqual(new Date(Math.floor(signedAt.getTime() / 1000) * 1000));
    expect(webhook.lead).toEqual(lead);
    expect(verifyLeadRelayWebhook(body, signedHeaders(), { secrets: [secret], now: () => signedAt }).lead.id).toBe('lead-1');
  });

  it('reads fetch Headers and mixed-case header records alike', () => {
    expect(receiver.verify(body, new Headers(signedHeaders())).messageId).toBe(messageId);
    const mixedCase = Object.fromEntries(Object.entries(signedHeaders()).map(([name, value]) => [name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), value]));
    expect(receiver.verify(body, mixedCase).messageId).toBe(messageId);
  });

  it('refuses a tampered body, a wrong secret and a signature header of someone else', () => {
    const tampered = body.replace('Ann', 'Eve');
    expect(() => receiver.verify(tampered, signedHeaders())).toThrow(WebhookSignatureError);
    expect(() => receiver.verify(body, signedHeaders({ secrets: ['not-the-secret-0123456789'] }))).toThrow(WebhookSignatureError);
    // A valid Standard Webhooks signature does not excuse a forged X-Lead-Router-Signature.
    expect(() => receiver.verify(body, { ...signedHeaders(), 'x-lead-router-signature': 'ab'.repeat(32) })).toThrow(/X-Lead-Router-Signature/);
    expect(() => receiver.verify(body, { ...signedHeaders(), 'x-lead-router-message-id': 'another-id' })).toThrow(/differs from the signed webhook-id/);
  });

  it('refuses a timestamp outside the tolerance either way, and accepts one inside it', () => {
    const stale = new Date(signedAt.getTime() - 301_000);
    const error = (() => {
      try {
        receiver.verify(body, signedHeaders({ at: stale }));
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(WebhookTimestampError);
    expect(error).toMatchObject({ code: 'timestamp_out_of_tolerance', toleranceSeconds: 300 });
    expect(() => receiver.verify(body, signedHeaders({ at: new Date(signedAt.getTime() + 301_000) }))).toThrow(WebhookTimestampError);
    expect(receiver.verify(body, signedHeaders({ at: new Date(signedAt.getTime() - 299_000) })).lead.id).toBe('lead-1');
    const strict = new LeadRelayReceiver({ secrets: secret, timestampToleranceSeconds: 10, now: () => signedAt });
    expect(() => strict.verify(body, signedHeaders({ at: new Date(signedAt.getTime() - 11_000) }))).toThrow(WebhookTimestampError);
    expect(() => receiver.verify(body, { ...signedHeaders(), 'webhook-timestamp': '1e9' })).toThrow(/not a number of seconds/);
  });

  it('keeps verifying across a rotation when given both secrets, new and old', () => {
    const during = signedHeaders({ secrets: ['new-secret-0123456789', 'old-secret-0123456789'], leadRouterSecret: 'old-secret-0123456789' });
    const rotating = new LeadRelayReceiver({ secrets: ['new-secret-0123456789', 'old-secret-0123456789'], now: () => signedAt });
    expect(rotating.verify(body, during).lead.id).toBe('lead-1');
    const after = signedHeaders({ secrets: ['new-secret-0123456789'] });
    expect(rotating.verify(body, after).lead.id).toBe('lead-1');
    // Dropping the old secret before the switch-over refuses X-Lead-Router-Signature (and LeadRelay retries).
    const tooEarly = new LeadRelayReceiver({ secrets: ['new-secret-0123456789'], now: () => signedAt });
    expect(() => tooEarly.verify(body, during)).toThrow(/X-Lead-Router-Signature/);
  });

  it('needs the timestamped headers unless untimestamped requests are allowed', () => {
    const { 'webhook-id': _id, 'webhook-timestamp': _timestamp, 'webhook-signature': _signature, ...seedOnly } = signedHeaders();
    expect(() => receiver.verify(body, seedOnly)).toThrow(MissingWebhookHeaderError);
    const { 'webhook-signature': _dropped, ...withoutSignature } = signedHeaders();
    expect(() => receiver.verify(body, withoutSignature)).toThrow(/webhook-signature header is missing/);
    const legacy = new LeadRelayReceiver({ secrets: secret, allowUntimestamped: true });
    expect(legacy.verify(body, seedOnly)).toMatchObject({ messageId, signedAt: null });
    expect(() => legacy.verify(body.replace('Ann', 'Eve'), seedOnly)).toThrow(WebhookSignatureError);
    const { 'x-lead-router-signature': _seedSignature, ...unsigned } = seedOnly;
    expect(() => legacy.verify(body, unsigned)).toThrow(MissingWebhookHeaderError);
  });

  it('refuses a header sent twice, a parsed body and a receiver without a secret', () => {
    expect(() => receiver.verify(body, { ...signedHeaders(), 'webhook-signature': ['v1,a', 'v1,b'] })).toThrow(MissingWebhookHeaderError);
    expect(() => receiver.verify(lead as never, signedHeaders())).toThrow(/raw request body/);
    expect(() => new LeadRelayReceiver({ secrets: [] })).toThrow(TypeError);
    expect(() => new LeadRelayReceiver({ secrets: '' })).toThrow(TypeError);
  });

  it('parses the three actions and refuses a body that is not a lead document', () => {
    const parse = (document: unknown) => {
      const raw = JSON.stringify(document);
      return receiver.verify(raw, signedHeaders({ body: raw })).lead;
    };
    const identity = { id: 'lead-1', partner_id: '', site_uuid: 'u', site_domain: 'd' };
    const added = parse({ action: 'activity_added', ...identity, activities: [{ type: 'note', description: 'Called', source: 'CRM' }], later_field: 1 });
    expect(added).toEqual({ action: 'activity_added', ...identity, activities: [{ type: 'note', description: 'Called', source: 'CRM' }] });
    expect(parse({ action: 'updated', ...identity, first_name: 'Ann' })).toMatchObject({ action: 'updated', first_name: 'Ann' });

    const refused = (document: unknown) => {
      try {
        parse(document);
      } catch (error) {
        return error;
      }
      throw new Error('the document was accepted');
    };
    expect(refused({ action: 'activity_added', ...identity, activities: [] })).toBeInstanceOf(InvalidLeadDocumentError);
    expect(refused({ ...lead, email: undefined })).toMatchObject({ message: expect.stringContaining('email') });
    expect(refused({ ...lead, action: 'deleted' })).toBeInstanceOf(InvalidLeadDocumentError);
    const notJson = 'not json';
    expect(() => receiver.verify(notJson, signedHeaders({ body: notJson }))).toThrow(/not JSON/);
  });
});
