import { AdminApiError } from './admin-api-error.ts';
import { AdminUnreachableError } from './admin-unreachable-error.ts';

export type QueryValue = string | number | undefined;

export interface AdminRequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
}

/** The admin REST API as the CLI uses it: JSON in, JSON out, errors as exceptions. */
export class AdminClient {
  readonly #baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {
    // Kept as a prefix (not resolved as a URL base) so an admin API behind a path still works.
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
  }

  get<Answer>(path: string, query?: Record<string, QueryValue>): Promise<Answer> {
    return this.request<Answer>('GET', path, query ? { query } : {});
  }

  post<Answer>(path: string, body?: unknown): Promise<Answer> {
    return this.request<Answer>('POST', path, body === undefined ? {} : { body });
  }

  async request<Answer>(method: string, path: string, { query, body }: AdminRequestOptions = {}): Promise<Answer> {
    const url = new URL(this.#baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new AdminUnreachableError(`could not reach the admin API at ${this.#baseUrl} (${reasonOf(error)})`, { cause: error });
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
      const message = typeof error?.message === 'string' ? error.message : `${method} ${path} answered ${response.status}`;
      throw new AdminApiError(response.status, code, message);
    }
    if (parsed === undefined && text.length > 0) {
      throw new AdminApiError(response.status, 'not_json', `${method} ${path} answered ${response.status} with a body that is not JSON`);
    }
    return parsed as Answer;
  }
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
