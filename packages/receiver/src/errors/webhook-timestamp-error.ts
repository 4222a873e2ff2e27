import { WebhookVerificationError } from './webhook-verification-error.ts';

/**
 * `webhook-timestamp` is further from the receiver's clock than the tolerance allows: a replay of
 * an old request, or a clock far off. LeadRelay stamps every attempt anew, so a retry is fresh.
 */
export class WebhookTimestampError extends WebhookVerificationError {
  override name = 'WebhookTimestampError';

  constructor(
    readonly timestampSeconds: number,
    readonly toleranceSeconds: number,
  ) {
    super('timestamp_out_of_tolerance', `webhook-timestamp ${timestampSeconds} is more than ${toleranceSeconds} s from now`);
  }
}
