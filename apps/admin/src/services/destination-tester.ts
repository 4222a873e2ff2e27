import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { DatabaseClient } from '@leadrelay/db';
import type { SecretBox } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';
import { publicAddressLookup, refuseNonPublicLiteral } from '@leadrelay/destination-policy';
import { serializeLeadDocument, type LeadDocument } from '@leadrelay/lead';
import { buildWebhookHeaders } from '@leadrelay/signing';

export interface DestinationTestResult {
  /** The message id of the sample; it is not a delivery and is never sent again. */
  messageId: string;
  /** True for a 2xx answer: the receiver would have taken a real lead. */
  accepted: boolean;
  statusCode: number | null;
  durationMs: number;
  /** The first 1 KiB of the answer. */
  responseBody: string | null;
  /** Timeout, connection or TLS error, or a refused address. */
  error: string | null;
}

export interface DestinationTesterOptions {
  db: DatabaseClient;
  secretBox: SecretBox;
  /** ALLOW_PRIVATE_DESTINATIONS, checked against the address actually connected to, as the dispatcher does. */
  allowPrivate: boolean;
}

const responseBodyLimitBytes = 1024;

/**
 * Sends a signed sample lead to a destination, exactly as a delivery would be sent (same body
 * shape, headers, signature, timeout, no redirects), and reports how the receiver answered.
 */
export class DestinationTester {
  readonly #db: DatabaseClient;
  readonly #secretBox: SecretBox;
  readonly #allowPrivate: boolean;
  readonly #agent: Agent;

  constructor({ db, secretBox, allowPrivate }: DestinationTesterOptions) {
    this.#db = db;
    this.#secretBox = secretBox;
    this.#allowPrivate = allowPrivate;
    this.#agent = new Agent({ connect: allowPrivate ? undefined : { lookup: publicAddressLookup() } });
  }

  async test(destinationId: string): Promise<DestinationTestResult> {
    const destination = await this.#db.destination.findFirst({ where: { id: destinationId, deletedAt: null } });
    if (!destination) throw new AppError('not_found', `no destination ${destinationId}`);
    const messageId = randomUUID();
    const body = serializeLeadDocument(sampleLeadDocument(), destination.partnerId);
    const headers = buildWebhookHeaders({
      messageId,
      body,
      secrets: {
        current: this.#secretBox.decrypt(destination.secretCiphertext),
        previous: destination.previousSecretCiphertext ? this.#secretBox.decrypt(destination.previousSecretCiphertext) : null,
        switchAt: destination.secretSwitchAt,
      },
    });
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refusal = this.#allowPrivate ? null : refuseNonPublicLiteral(new URL(destination.url).hostname);
    if (refusal) return { messageId, accepted: false, statusCode: null, durationMs: 0, responseBody: null, error: refusal };

    const signal = AbortSignal.timeout(destination.timeoutMs);
    let statusCode: number | null = null;
    try {
      const response = await request(destination.url, {
        method: 'POST',
        headers,
        body,
        signal,
        dispatcher: this.#agent,
        headersTimeout: destination.timeoutMs,
        bodyTimeout: destination.timeoutMs,
      });
      statusCode = response.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= responseBodyLimitBytes) break;
      }
      // Stop reading a long answer: only its beginning is reported.
      response.body.destroy();
      const responseBody = Buffer.concat(chunks).subarray(0, responseBodyLimitBytes).toString('utf8');
      return { messageId, accepted: statusCode >= 200 && statusCode < 300, statusCode, durationMs: elapsed(), responseBody, error: null };
    } catch (error) {
      if (statusCode !== null) {
        // The status is the answer; a body cut short by the timeout is not reported.
        return { messageId, accepted: statusCode >= 200 && statusCode < 300, statusCode, durationMs: elapsed(), responseBody: null, error: null };
      }
      const message = signal.aborted ? `timed out after ${destination.timeoutMs} ms` : describeError(error);
      return { messageId, accepted: false, statusCode: null, durationMs: elapsed(), responseBody: null, error: message };
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** A lead that is obviously a test, with every field seed 003 marks required. */
function sampleLeadDocument(): LeadDocument {
  const id = randomUUID();
  const now = new Date().toISOString();
  return {
    action: 'created',
    id,
    source: 'LeadRelay test',
    site_uuid: '00000000-0000-4000-8000-000000000000',
    site_domain: 'leadrelay.test',
    site_login_url: `https://leadrelay.test/leads/${id}`,
    email: 'test.lead@leadrelay.test',
    first_name: 'Test',
    last_name: 'Lead',
    role: 'Buyer',
    activities: [{ type: 'visited', description: 'A LeadRelay test delivery: not a real lead', created: now, source: 'LeadRelay test' }],
    created: now,
  };
}

function describeError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
