import { InvalidLeadDocumentError } from './errors/invalid-lead-document-error.ts';
import { MissingWebhookHeaderError } from './errors/missing-webhook-header-error.ts';
import { WebhookSignatureError } from './errors/webhook-signature-error.ts';
import { WebhookTimestampError } from './errors/webhook-timestamp-error.ts';
import { WebhookVerificationError } from './errors/webhook-verification-error.ts';
import { leadDocumentSchema, type LeadDocument } from './lead-document-schema.ts';
import { verifyLeadRouterSignature } from './lead-router-signature.ts';
import { verifyStandardWebhookSignature } from './standard-webhook-signature.ts';
import { singleHeader, type WebhookHeaders } from './webhook-headers.ts';

/** The Standard Webhooks spec's recommended tolerance. */
export const defaultTimestampToleranceSeconds = 300;

export interface LeadRelayReceiverOptions {
  /**
   * The destination's secret, as LeadRelay showed it. During a rotation give both, new and old,
   * until the switch-over time LeadRelay told you; afterwards only the new one.
   */
  secrets: string | readonly string[];
  /** How far `webhook-timestamp` may be from `now`, either way. Default 300 s. */
  timestampToleranceSeconds?: number;
  /**
   * Accept a request signed only with `X-Lead-Router-Signature`, as seed 003 senders do. Such a
   * request carries no timestamp, so a recorded one can be replayed at any time. LeadRelay always
   * sends the timestamped Standard Webhooks headers too, so the default is false.
   */
  allowUntimestamped?: boolean;
  /** The clock timestamps are checked against. */
  now?: () => Date;
}

/** A verified webhook. */
export interface LeadRelayWebhook {
  /**
   * `X-Lead-Router-Message-Id` (= `webhook-id`): the same on every attempt and on an operator's
   * replay of one delivery. Keep the ids you processed and skip a repeat.
   */
  messageId: string;
  /** When this attempt was signed (`webhook-timestamp`); null only for an untimestamped request. */
  signedAt: Date | null;
  lead: LeadDocument;
}

/**
 * Verifies LeadRelay's webhooks and parses their lead document. Every signature the request carries
 * must check out: `webhook-signature` (any of its `v1` entries with any configured secret, over
 * id, timestamp and body, with the timestamp within tolerance) and `X-Lead-Router-Signature` (with
 * any configured secret). All comparisons are constant-time.
 */
export class LeadRelayReceiver {
  readonly #secrets: readonly string[];
  readonly #toleranceSeconds: number;
  readonly #allowUntimestamped: boolean;
  readonly #now: () => Date;

  constructor(options: LeadRelayReceiverOptions) {
    this.#secrets = typeof options.secrets === 'string' ? [options.secrets] : [...options.secrets];
    if (this.#secrets.length === 0 || this.#secrets.some((secret) => typeof secret !== 'string' || secret.length === 0)) {
      throw new TypeError('LeadRelayReceiver needs at least one non-empty secret');
    }
    this.#toleranceSeconds = options.timestampToleranceSeconds ?? defaultTimestampToleranceSeconds;
    if (!(this.#toleranceSeconds >= 0)) throw new RangeError('timestampToleranceSeconds must be a number of seconds, 0 or more');
    this.#allowUntimestamped = options.allowUntimestamped ?? false;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Verifies a request and returns its lead. `rawBody` must be the body exactly as received (a
   * re-serialized JSON object has other bytes and fails). Throws a `WebhookVerificationError` when
   * the request is not shown to be LeadRelay's, an `InvalidLeadDocumentError` when it is but its
   * body is not a lead document.
   */
  verify(rawBody: string | Uint8Array, headers: WebhookHeaders): LeadRelayWebhook {
    if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
      throw new TypeError('verify needs the raw request body (a string or Buffer), not a parsed object');
    }
    const webhookId = singleHeader(headers, 'webhook-id');
    const timestamp = singleHeader(headers, 'webhook-timestamp');
    const standardSignature = singleHeader(headers, 'webhook-signature');
    const leadRouterMessageId = singleHeader(headers, 'x-lead-router-message-id');
    const leadRouterSignature = singleHeader(headers, 'x-lead-router-signature');

    let messageId: string;
    let signedAt: Date | null = null;
    if (webhookId || timestamp || standardSignature || !this.#allowUntimestamped) {
      messageId = required('webhook-id', webhookId);
      const timestampSeconds = this.#freshTimestamp(required('webhook-timestamp', timestamp));
      const signatureHeader = required('webhook-signature', standardSignature);
      if (!verifyStandardWebhookSignature({ messageId, timestampSeconds, body: rawBody, secrets: this.#secrets, signatureHeader })) {
        throw new WebhookSignatureError('no webhook-signature was made with a configured secret over this id, timestamp and body');
      }
      // The seed's message id is not signed; a copy that differs from the signed one was altered.
      if (leadRouterMessageId !== undefined && leadRouterMessageId !== messageId) {
        throw new WebhookSignatureError('X-Lead-Router-Message-Id differs from the signed webhook-id');
      }
      signedAt = new Date(timestampSeconds * 1000);
    } else {
      messageId = required('x-lead-router-message-id', leadRouterMessageId);
      required('x-lead-router-signature', leadRouterSignature);
    }
    if (leadRouterSignature !== undefined && !this.#secrets.some((secret) => verifyLeadRouterSignature(secret, rawBody, leadRouterSignature))) {
      throw new WebhookSignatureError('X-Lead-Router-Signature was not made with a configured secret over this body');
    }
    return { messageId, signedAt, lead: parseLeadDocument(rawBody) };
  }

  #freshTimestamp(header: string): number {
    if (!/^\d{1,12}$/.test(header)) {
      throw new WebhookVerificationError('timestamp_out_of_tolerance', 'webhook-timestamp is not a number of seconds');
    }
    const timestampSeconds = Number(header);
    const nowSeconds = this.#now().getTime() / 1000;
    if (Math.abs(nowSeconds - timestampSeconds) > this.#toleranceSeconds) {
      throw new WebhookTimestampError(timestampSeconds, this.#toleranceSeconds);
    }
    return timestampSeconds;
  }
}

/**
 * `new LeadRelayReceiver(options).verify(rawBody, headers)` in one call, for code that keeps no
 * receiver object: Express, Hono, a serverless function.
 */
export function verifyLeadRelayWebhook(rawBody: string | Uint8Array, headers: WebhookHeaders, options: LeadRelayReceiverOptions): LeadRelayWebhook {
  return new LeadRelayReceiver(options).verify(rawBody, headers);
}

/** Parses an already verified body. Exported for stored bodies you verified when they arrived. */
export function parseLeadDocument(rawBody: string | Uint8Array): LeadDocument {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody));
  } catch {
    throw new InvalidLeadDocumentError('the body is not JSON');
  }
  const parsed = leadDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new InvalidLeadDocumentError(`the body is not a lead document: ${first ? `${first.path.join('.') || '(body)'}: ${first.message}` : 'invalid'}`, parsed.error.issues);
  }
  return parsed.data;
}

function required(header: string, value: string | undefined): string {
  if (value === undefined || value.length === 0) throw new MissingWebhookHeaderError(header);
  return value;
}
