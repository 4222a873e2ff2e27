/** Why a request was refused as not coming from LeadRelay. */
export type WebhookVerificationFailure = 'missing_header' | 'invalid_signature' | 'timestamp_out_of_tolerance';

/**
 * The request cannot be shown to come from LeadRelay. Answer it with a 4xx other than 406 (the
 * Fastify plugin answers 401): LeadRelay then retries it on its schedule, which is what you want
 * when the cause is on your side, such as a secret not yet configured during a rotation.
 */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';

  constructor(
    readonly code: WebhookVerificationFailure,
    message: string,
  ) {
    super(message);
  }
}
