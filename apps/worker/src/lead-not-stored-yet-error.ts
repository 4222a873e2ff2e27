/** A duplicate arrived before the lead it duplicates is stored; its job is retried later. */
export class LeadNotStoredYetError extends Error {
  override readonly name = 'LeadNotStoredYetError';
}
