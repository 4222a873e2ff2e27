import { Pool } from 'undici';
import { publicAddressLookup, refuseNonPublicLiteral, type ResolveAll } from '@leadrelay/destination-policy';
import { ResponseBodyPrefix } from './response-body-prefix.ts';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type WebhookResult =
  | { kind: 'response'; statusCode: number; responseBody: string; durationMs: number }
  | { kind: 'error'; error: string; durationMs: number };

export interface WebhookSenderOptions {
  /** Deliver to loopback, private, link-local and metadata addresses (ALLOW_PRIVATE_DESTINATIONS). */
  allowPrivate: boolean;
  /** Resolves host names before each new connection; tests stand in for DNS with it. */
  resolveAll?: ResolveAll;
  /** Keep-alive connections per origin at most; per-destination concurrency keeps use below it. */
  connectionsPerOrigin?: number;
  /** A pool unused this long is closed, so origins no destination uses any more do not pile up. */
  idlePoolTtlMs?: number;
}

/** Response bytes kept for the attempt record; the rest is discarded unread. */
export const responseBodyLimitBytes = 1024;

/**
 * POSTs webhooks through one keep-alive pool per origin. Redirects are not followed (undici's
 * `request` never follows them), and one timeout covers the whole exchange, so a receiver that
 * hangs, or trickles or floods its answer, holds neither memory nor a slot past it. Unless private
 * destinations are allowed, every connection is checked against the address it actually opens.
 */
export class WebhookSender {
  readonly #pools = new Map<string, { pool: Pool; lastUsedAt: number }>();
  readonly #options: Required<Omit<WebhookSenderOptions, 'resolveAll'>> & { resolveAll?: ResolveAll };
  #lastSweepAt = Date.now();

  constructor(options: WebhookSenderOptions) {
    this.#options = { connectionsPerOrigin: 256, idlePoolTtlMs: 5 * 60_000, ...options };
  }

  async send({ url, headers, body, timeoutMs }: WebhookRequest): Promise<WebhookResult> {
    const started = performance.now();
    const target = new URL(url);
    const refusal = this.#options.allowPrivate ? null : refuseNonPublicLiteral(target.hostname);
    if (refusal) return { kind: 'error', error: refusal, durationMs: 0 };

    const signal = AbortSignal.timeout(timeoutMs);
    let statusCode: number | undefined;
    const prefix = new ResponseBodyPrefix(responseBodyLimitBytes);
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
      statusCode = response.statusCode;
      await prefix.read(response.body);
      return { kind: 'response', statusCode, responseBody: prefix.text(), durationMs: elapsed(started) };
    } catch (error) {
      if (statusCode !== undefined) {
        // The answer's status is the outcome; a body cut short (timeout, reset) only shortens the record.
        return { kind: 'response', statusCode, responseBody: prefix.text(), durationMs: elapsed(started) };
      }
      const message = signal.aborted ? `timed out after ${timeoutMs} ms` : describeError(error);
      return { kind: 'error', error: message, durationMs: elapsed(started) };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map(({ pool }) => pool.close()));
    this.#pools.clear();
  }

  #pool(origin: string): Pool {
    const now = Date.now();
    this.#closeIdlePools(now);
    let entry = this.#pools.get(origin);
    if (!entry) {
      const pool = new Pool(origin, {
        connections: this.#options.connectionsPerOrigin,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: this.#options.allowPrivate ? undefined : { lookup: publicAddressLookup(this.#options.resolveAll) },
      });
      entry = { pool, lastUsedAt: now };
      this.#pools.set(origin, entry);
    }
    entry.lastUsedAt = now;
    return entry.pool;
  }

  #closeIdlePools(now: number) {
    if (now - this.#lastSweepAt < 60_000) return;
    this.#lastSweepAt = now;
    for (const [origin, { pool, lastUsedAt }] of this.#pools) {
      if (now - lastUsedAt > this.#options.idlePoolTtlMs) {
        this.#pools.delete(origin);
        // Requests still running on it finish first: close() waits for them.
        void pool.close();
      }
    }
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function describeError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
