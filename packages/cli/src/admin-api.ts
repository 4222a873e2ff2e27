import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { AdminApiError } from './admin-api-error.ts';
import { AdminUnreachableError } from './admin-unreachable-error.ts';
import type { operations, paths } from './generated/admin-api.ts';

/**
 * The admin REST API as the CLI uses it: a client typed by the types generated from
 * openapi/admin.openapi.json, so a route change that breaks a command fails to type-check.
 * Errors are exceptions (see adminErrors): a call that returns has a successful answer.
 */
export type AdminApi = Client<paths>;

/** The JSON body an operation answers with `status` (by default 200), named by its operationId. */
export type AdminAnswer<OperationId extends keyof operations, Status extends number = 200> =
  operations[OperationId]['responses'] extends Record<Status, { content: { 'application/json': infer Body } }> ? Body : never;

/** The JSON body an operation takes, named by its operationId. */
export type AdminRequestBody<OperationId extends keyof operations> = operations[OperationId] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

export interface AdminApiOptions {
  /** The admin API's URL; a path in it is kept as a prefix, so an admin behind a path works. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`. */
  token: string;
  /** How long one request may take, answer included. */
  timeoutMs?: number;
}

export function createAdminApi({ baseUrl, token, timeoutMs = 30_000 }: AdminApiOptions): AdminApi {
  const api = createClient<paths>({
    baseUrl,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    fetch: (request) => fetch(request, { signal: AbortSignal.timeout(timeoutMs) }),
  });
  api.use(adminErrors(baseUrl.replace(/\/+$/, '')));
  return api;
}

/**
 * The successful answer of a call. adminErrors has thrown every failure already; what is left to
 * refuse is a 2xx without a body, which no admin route answers.
 */
export async function answerOf<Answer>(call: Promise<{ data?: Answer; response: Response }>): Promise<Answer> {
  const { data, response } = await call;
  if (data === undefined) throw new AdminApiError(response.status, 'empty', `${describeRequest(response.url)} answered ${response.status} without a body`);
  return data;
}

/**
 * Turns every failure into the CLI's two errors: AdminUnreachableError when nothing answered
 * (exit 3), AdminApiError for an error status or a body that is not JSON (exit 1), with the
 * API's own `{error: {code, message}}` when it sent one.
 */
function adminErrors(baseUrl: string): Middleware {
  return {
    onError({ error }) {
      return new AdminUnreachableError(`could not reach the admin API at ${baseUrl} (${reasonOf(error)})`, { cause: error });
    },
    async onResponse({ request, response }) {
      const text = await response.clone().text();
      const parsed = parseJson(text);
      const requestText = `${request.method} ${describeRequest(request.url)}`;
      if (!response.ok) {
        const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
        const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
        const message = typeof error?.message === 'string' ? error.message : `${requestText} answered ${response.status}`;
        throw new AdminApiError(response.status, code, message);
      }
      if (parsed === undefined && text.length > 0) {
        throw new AdminApiError(response.status, 'not_json', `${requestText} answered ${response.status} with a body that is not JSON`);
      }
      return undefined;
    },
  };
}

/** A request's path, as messages name it. */
function describeRequest(url: string): string {
  return new URL(url).pathname;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    // Only SyntaxError reaches here: the caller reports a non-JSON answer with its status.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** The most specific reason fetch gives: a system error code, a timeout, or its message. */
function reasonOf(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
