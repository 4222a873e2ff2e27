import { Prisma } from './generated/prisma/client.ts';

/**
 * - `conflict`: lost a race with another transaction; planning the batch again succeeds.
 * - `unavailable`: PostgreSQL cannot be reached or is shutting down; retried with backoff.
 * - `data`: PostgreSQL refuses these values (SQLSTATE class 22, not-null, foreign key, check,
 *   a program limit such as an index entry too large); the same submission can never succeed.
 * - `unknown`: anything else.
 */
export type DatabaseErrorKind = 'conflict' | 'unavailable' | 'data' | 'unknown';

const conflictCodes = new Set(['40001', '40P01', '23505']);
const dataCodes = new Set(['23502', '23503', '23514']);
// Classes 08 connection exception, 53 insufficient resources, 57 operator intervention
// (57P01 admin shutdown, 57P03 cannot connect now), 58 system error.
const unavailableClasses = new Set(['08', '53', '57', '58']);
const unavailableAdapterKinds = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
  'TransactionAlreadyClosed',
]);
// Prisma's own: P1001 cannot reach, P1002 timed out, P1008 operation timed out, P1017 connection
// closed, P2024 no pool connection in time, P2028 transaction API error (e.g. its timeout).
const unavailablePrismaCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const unavailableSocketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH']);
// node-postgres's own errors carry no code, only these messages; the driver adapter passes them on
// as they are (a server that accepts the connection and never answers gives the second).
const unavailableDriverMessages = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Query read timeout',
]);

/**
 * What a failed statement means for whoever retries it. Errors that only mention a connection or a
 * timeout in their message count as `unavailable` too: a retry is the safe guess for a write.
 */
export function classifyDatabaseError(error: unknown): DatabaseErrorKind {
  if (error instanceof Prisma.PrismaClientInitializationError) return 'unavailable';
  const code = sqlState(error);
  if (code) {
    if (conflictCodes.has(code)) return 'conflict';
    if (code.startsWith('22') || code.startsWith('54') || dataCodes.has(code)) return 'data';
    if (unavailableClasses.has(code.slice(0, 2))) return 'unavailable';
    return 'unknown';
  }
  if (hasUnavailableSignal(error)) return 'unavailable';
  if (error instanceof Error && /connection|timed out|timeout/i.test(error.message)) return 'unavailable';
  return 'unknown';
}

/**
 * True when PostgreSQL could not be reached or is shutting down, judged by what the error says in
 * codes (SQLSTATE class, driver adapter kind, Prisma code, socket code) or by node-postgres's own
 * connection messages, never by words in any message: an HTTP request answers 503 ("retry") for
 * these, and a bug must stay a 500.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  const code = sqlState(error);
  if (code) return unavailableClasses.has(code.slice(0, 2));
  return hasUnavailableSignal(error);
}

function hasUnavailableSignal(error: unknown): boolean {
  const kind = driverCause(error)?.kind;
  if (typeof kind === 'string' && unavailableAdapterKinds.has(kind)) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError && unavailablePrismaCodes.has(error.code)) return true;
  const socketCode = (error as { code?: unknown } | null)?.code;
  if (typeof socketCode === 'string' && unavailableSocketCodes.has(socketCode)) return true;
  return error instanceof Error && unavailableDriverMessages.has(error.message);
}

/**
 * The SQLSTATE and PostgreSQL's message, without the error's detail: details quote the values
 * (an email in a unique violation) and must not reach logs or the dashboard.
 */
export function describeDatabaseError(error: unknown): string {
  const cause = driverCause(error);
  if (cause) {
    const code = sqlState(error);
    const message = typeof cause.originalMessage === 'string' ? cause.originalMessage : typeof cause.message === 'string' ? cause.message : cause.kind;
    return code ? `${code}: ${String(message)}` : String(message ?? 'database error');
  }
  if (error instanceof Error) return error.message.split('\n').find((line) => line.trim().length > 0) ?? error.name;
  return String(error);
}

function sqlState(error: unknown): string | undefined {
  const cause = driverCause(error);
  const code = cause?.originalCode ?? cause?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  // Prisma's own codes (P2010) look like SQLSTATEs; only a driver error's code is one.
  if (error instanceof Prisma.PrismaClientKnownRequestError) return undefined;
  const direct = (error as { code?: unknown } | null)?.code;
  return typeof direct === 'string' && /^[0-9A-Z]{5}$/.test(direct) ? direct : undefined;
}

/**
 * What the pg driver adapter reported: the adapter's own error (statement transactions call the
 * adapter directly) or the one Prisma wrapped.
 */
function driverCause(error: unknown): Record<string, unknown> | undefined {
  if (error instanceof Error && error.name === 'DriverAdapterError' && typeof error.cause === 'object' && error.cause !== null) {
    return error.cause as Record<string, unknown>;
  }
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const adapterError = (error.meta as { driverAdapterError?: { cause?: Record<string, unknown> } } | undefined)?.driverAdapterError;
  return adapterError?.cause;
}
