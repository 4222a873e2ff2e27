import { signLeadRouterBody, signStandardWebhook } from '@leadrelay/receiver';

/** Seed 003's User-Agent format, with our name. */
export const leadRouterUserAgent = 'LeadRelay-LeadRouter/1.0';

export interface WebhookSigningSecrets {
  /** The secret in force. */
  current: string;
  /** During a rotation, the old secret: it still signs X-Lead-Router-Signature until the switch-over. */
  previous?: string | null;
  /** When the current secret takes over X-Lead-Router-Signature. */
  switchAt?: Date | null;
}

export interface WebhookHeadersInput {
  messageId: string;
  /** The bytes sent, or their text (signed as UTF-8). */
  body: string | Uint8Array;
  secrets: WebhookSigningSecrets;
  now?: Date;
}

/**
 * The headers of every webhook we send: seed 003's (message id, hex HMAC signature, user agent)
 * and the Standard Webhooks ones, so receivers can verify with either.
 */
export function buildWebhookHeaders({ messageId, body, secrets, now = new Date() }: WebhookHeadersInput): Record<string, string> {
  const rotating = Boolean(secrets.previous && secrets.switchAt && now < secrets.switchAt);
  // A receiver that checks only X-Lead-Router-Signature keeps working until the switch-over.
  const leadRouterSecret = rotating ? secrets.previous! : secrets.current;
  const standardSecrets = rotating ? [secrets.current, secrets.previous!] : [secrets.current];
  const timestampSeconds = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': leadRouterUserAgent,
    'x-lead-router-message-id': messageId,
    'x-lead-router-signature': signLeadRouterBody(leadRouterSecret, body),
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signStandardWebhook({ messageId, timestampSeconds, body, secrets: standardSecrets }),
  };
}
