import { randomUUID } from 'node:crypto';
import type { DatabaseClient } from '@leadrelay/db';
import type { SecretBox } from '@leadrelay/credentials';
import type { LeadDocument } from '@leadrelay/lead';
import { WebhookSender, buildSignedWebhook } from '@leadrelay/delivery';
import { destinationNotFound, scopedDestinationWhere, type DestinationScope } from './destination-scope.ts';
import type { DestinationTestResult } from './destination-schemas.ts';

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

  async test(scope: DestinationScope, destinationId: string): Promise<DestinationTestResult> {
    const destination = await this.#db.destination.findFirst({ where: { id: destinationId, ...scopedDestinationWhere(scope) } });
    if (!destination) throw destinationNotFound(destinationId);
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
