import { WebhookVerificationError } from './webhook-verification-error.ts';

/** A header verification needs is absent, empty or sent more than once. */
export class MissingWebhookHeaderError extends WebhookVerificationError {
  override name = 'MissingWebhookHeaderError';

  constructor(readonly header: string) {
    super('missing_header', `the ${header} header is missing, empty or sent more than once`);
  }
}
