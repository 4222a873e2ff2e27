import { createHmac, timingSafeEqual } from 'node:crypto';

export interface StandardWebhookSignatureInput {
  /** `webhook-id`: the message id, the same as `X-Lead-Router-Message-Id`. */
  messageId: string;
  /** `webhook-timestamp`, in seconds since the epoch. */
  timestampSeconds: number;
  body: string | Uint8Array;
  /** Every secret in force; during a rotation both the new and the old one. */
  secrets: readonly string[];
}

function signatureOf(secret: string, messageId: string, timestampSeconds: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${messageId}.${timestampSeconds}.`).update(body).digest();
}

/**
 * `webhook-signature` per the Standard Webhooks spec: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * for each secret, space-separated. LeadRelay's secrets are used as raw key bytes, which is what the
 * spec's own libraries do with a `whsec_<base64 of the secret>` secret.
 */
export function signStandardWebhook({ messageId, timestampSeconds, body, secrets }: StandardWebhookSignatureInput): string {
  return secrets.map((secret) => `v1,${signatureOf(secret, messageId, timestampSeconds, body).toString('base64')}`).join(' ');
}

/**
 * Whether any `v1` signature of a `webhook-signature` header was made with any of the secrets.
 * Each comparison is constant-time; other versions (`v1a`, ...) are ignored, as the spec says.
 */
export function verifyStandardWebhookSignature(input: StandardWebhookSignatureInput & { signatureHeader: string }): boolean {
  const given = input.signatureHeader
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice('v1,'.length), 'base64'));
  let matched = false;
  for (const secret of input.secrets) {
    const expected = signatureOf(secret, input.messageId, input.timestampSeconds, input.body);
    for (const signature of given) {
      if (signature.length === expected.length && timingSafeEqual(signature, expected)) matched = true;
    }
  }
  return matched;
}

/** The `whsec_` form of a secret, for receivers that verify with a Standard Webhooks library. */
export function toStandardWebhookSecret(secret: string): string {
  return `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
}
