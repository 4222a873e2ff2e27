import { Pool } from 'undici';
import { publicAddressLookup, refuseNonPublicLiteral, type ResolveAll } from '@leadrelay/destination-policy';
import { WebhookExchange } from './webhook-exchange.ts';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  /** The bytes to send: the signature covers exactly these. */
  body: string | Uint8Array;
  timeoutMs: number;
}

/** Where a destination's URL sends to, and why not when it may not be used. */
interface WebhookTarget {
  origin: string;
  path: string;
  /** Set when the URL names a non-public address literal and private destinations are not allowed. */
  refusal: string | null;
}

const maxCachedTargets = 10_000;

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
 * POSTs webhooks through one keep-alive pool per origin. Redirects are not followed (a pool's
 * `dispatch` never follows them), and one timeout covers the whole exchange, so a receiver that
 * hangs, or trickles or floods its answer, holds neither memory nor a slot past it. Unless private
 * destinations are allowed, every connection is checked against the address it actually opens.
 */
export class WebhookSender {
  readonly #pools = new Map<string, { pool: Pool; lastUsedAt: number }>();
  /** Destinations' URLs as sent: parsed once each, not once per request. */
  readonly #targets = new Map<string, WebhookTarget>();
  readonly #options: Required<Omit<WebhookSenderOptions, 'resolveAll'>> & { resolveAll?: ResolveAll };
  #lastSweepAt = Date.now();

  constructor(options: WebhookSenderOptions) {
    this.#options = { connectionsPerOrigin: 256, idlePoolTtlMs: 5 * 60_000, ...options };
  }

  async send({ url, headers, body, timeoutMs }: WebhookRequest): Promise<WebhookResult> {
    const target = this.#target(url);
    if (target.refusal) return { kind: 'error', error: target.refusal, durationMs: 0 };
    const exchange = new WebhookExchange({ timeoutMs, limitBytes: responseBodyLimitBytes });
    try {
      this.#pool(target.origin).dispatch(
        { method: 'POST', path: target.path, headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs },
        exchange,
      );
    } catch (error) {
      exchange.fail(error);
    }
    return exchange.result;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map(({ pool }) => pool.close()));
    this.#pools.clear();
  }

  #target(url: string): WebhookTarget {
    let target = this.#targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = {
        origin: parsed.origin,
        path: `${parsed.pathname}${parsed.search}`,
        refusal: this.#options.allowPrivate ? null : refuseNonPublicLiteral(parsed.hostname),
      };
      // Only a bound on URLs of deleted or edited destinations: forgetting them all costs a parse each.
      if (this.#targets.size >= maxCachedTargets) this.#targets.clear();
      this.#targets.set(url, target);
    }
    return target;
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
