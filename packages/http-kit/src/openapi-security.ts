/** An operation's `security`: each entry is one way to authenticate, naming declared schemes. */
export type SecurityRequirements = Record<string, string[]>[];

/**
 * `security` of a route that takes no credentials the document can describe: health checks, and
 * partner hooks whose credentials are fields of the query or body in the partner's own contract.
 */
export const noSecurity: SecurityRequirements = [];
