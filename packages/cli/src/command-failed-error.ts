/**
 * The API did what was asked, but the outcome is a failure a script should see in the exit code
 * (e.g. a destination test the receiver refused).
 */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
}
