/** What scripts can rely on; `leadrelay --help` lists them. */
export const exitCodes = {
  ok: 0,
  /**
   * The admin API answered with an error (unknown id, invalid input, wrong token, a 5xx), or the
   * command's outcome is a failure (a destination test the receiver refused, secrets no key decrypts).
   */
  apiError: 1,
  /** The command line itself is wrong: unknown command or option, missing or invalid value. */
  usage: 2,
  /** No answer from the admin API: wrong URL, not running, timed out. Retrying may help. */
  unreachable: 3,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
