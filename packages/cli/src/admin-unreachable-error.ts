/** The admin API did not answer at all: refused, unresolvable, reset or timed out. */
export class AdminUnreachableError extends Error {
  override readonly name = 'AdminUnreachableError';
}
