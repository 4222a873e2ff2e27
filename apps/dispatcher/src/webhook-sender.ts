import { Pool } from 'undici';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type WebhookResult =
  | { kind: 'response'; statusCode: number; responseBody: string; durationMs: number }
  | { kind: 'error'; error: string; durationMs: number };

/** Response bytes kept for the attempt record; the rest is discarded unread. */
export const responseBodyLimitBytes = 1024;

/**
 * POSTs webhooks through one keep-alive pool per origin. Redirects are not followed, and the
 * timeout covers the whole exchange, so a slow or endless response cannot hold a slot.
 */
export class WebhookSender {
  readonly #pools = new Map<string, Pool>();

  async send({ url, headers, body, timeoutMs }: WebhookRequest): Promise<WebhookResult> {
    const target = new URL(url);
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await this.#pool(target.origin).request({
        method: 'POST',
        path: `${target.pathname}${target.search}`,
        headers,
        body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const responseBody = await readPrefix(response.body, responseBodyLimitBytes);
      return { kind: 'response', statusCode: response.statusCode, responseBody, durationMs: elapsed(started) };
    } catch (error) {
      const message = signal.aborted ? `timed out after ${timeoutMs} ms` : describeError(error);
      return { kind: 'error', error: message, durationMs: elapsed(started) };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 32, pipelining: 1, keepAliveTimeout: 30_000 });
      this.#pools.set(origin, pool);
    }
    return pool;
  }
}

async function readPrefix(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function describeError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code}: ${message}` : message;
}
