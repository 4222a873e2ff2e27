import { randomUUID } from 'node:crypto';
import type { DatabaseClient } from '@leadrelay/db';
import type { SecretBox } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';
import type { LeadDocument } from '@leadrelay/lead';
import { WebhookSender, buildSignedWebhook } from '@leadrelay/delivery';

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

/**
 * Sends a signed sample lead to a destination through the dispatcher's own sender and signing
 * (`@leadrelay/delivery`): same body shape, headers, signature, timeout, no redirects, address
 * checks; and reports how the receiver answered.
 */
export class DestinationTester {
  readonly #db: DatabaseClient;
  readonly #secretBox: SecretBox;
  readonly #sender: WebhookSender;

  constructor({ db, secretBox, allowPrivate }: DestinationTesterOptions) {
    this.#db = db;
    this.#secretBox = secretBox;
    this.#sender = new WebhookSender({ allowPrivate, connectionsPerOrigin: 4 });
  }

  async test(destinationId: string): Promise<DestinationTestResult> {
    const destination = await this.#db.destination.findFirst({ where: { id: destinationId, deletedAt: null } });
    if (!destination) throw new AppError('not_found', `no destination ${destinationId}`);
    const messageId = randomUUID();
    const { body, headers } = buildSignedWebhook({
      messageId,
      document: sampleLeadDocument(),
      partnerId: destination.partnerId,
      secrets: destination,
      decrypter: this.#secretBox,
    });
    const result = await this.#sender.send({ url: destination.url, headers, body, timeoutMs: destination.timeoutMs });
    if (result.kind === 'error') {
      return { messageId, accepted: false, statusCode: null, durationMs: result.durationMs, responseBody: null, error: result.error };
    }
    const { statusCode, responseBody, durationMs } = result;
    return { messageId, accepted: statusCode >= 200 && statusCode < 300, statusCode, durationMs, responseBody, error: null };
  }

  async close(): Promise<void> {
    await this.#sender.close();
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
