import { createHmac } from 'node:crypto';

export interface StandardWebhookSignatureInput {
  /** `webhook-id`: our message id. */
  messageId: string;
  /** `webhook-timestamp`, in seconds. */
  timestampSeconds: number;
  body: string | Buffer;
  /** Every secret in force; during a rotation both the old and the new one. */
  secrets: string[];
}

/**
 * `webhook-signature` per the Standard Webhooks spec: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * for each secret, space-separated. Our secrets are used as raw key bytes, which is what the
 * spec's libraries do with a `whsec_<base64>` secret: `toStandardWebhookSecret` gives that form.
 */
export function signStandardWebhook({ messageId, timestampSeconds, body, secrets }: StandardWebhookSignatureInput): string {
  return secrets
    .map((secret) => {
      const mac = createHmac('sha256', secret);
      mac.update(`${messageId}.${timestampSeconds}.`);
      mac.update(body);
      return `v1,${mac.digest('base64')}`;
    })
    .join(' ');
}

/** The `whsec_` form of a secret, for receivers that verify with a Standard Webhooks library. */
export function toStandardWebhookSecret(secret: string): string {
  return `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
}
