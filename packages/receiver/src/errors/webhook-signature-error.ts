import { WebhookVerificationError } from './webhook-verification-error.ts';

/** No signature of the request was made with any of the configured secrets over these bytes. */
export class WebhookSignatureError extends WebhookVerificationError {
  override name = 'WebhookSignatureError';

  constructor(message: string) {
    super('invalid_signature', message);
  }
}
