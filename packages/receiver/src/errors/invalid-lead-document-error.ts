import type { z } from 'zod';

/**
 * The request is authentic but its body is not a lead document this library knows. Retrying the
 * same bytes cannot help, so the Fastify plugin answers 406, which stops LeadRelay's retries; an
 * operator can replay the delivery once the receiver is fixed.
 */
export class InvalidLeadDocumentError extends Error {
  override name = 'InvalidLeadDocumentError';

  constructor(
    message: string,
    /** The schema's findings (paths and messages), when the body was JSON. */
    readonly issues: readonly z.core.$ZodIssue[] = [],
  ) {
    super(message);
  }
}
