import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RequestWindowCounters } from './request-window-counters.ts';

/**
 * @fastify/rate-limit's store interface over `RequestWindowCounters`. Keys are laid out as its own
 * Redis store lays them out (`<nameSpace><METHOD><url>-<key>` per route), so counters running
 * when an instance is upgraded carry on.
 */
class RateLimitCounterStore implements FastifyRateLimitStore {
  constructor(
    private readonly counters: RequestWindowCounters,
    private readonly keyPrefix: string,
  ) {}

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
    this.counters.increment(this.keyPrefix + key, timeWindow).then(
      (count) => callback(null, count),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    // At run time the plugin passes the route's own options under `routeInfo` (as its Redis store reads them).
    const { routeInfo } = routeOptions as unknown as { routeInfo: { method: string; url: string } };
    return new RateLimitCounterStore(this.counters, `${this.keyPrefix}${routeInfo.method}${routeInfo.url}-`);
  }
}

/** The store class to hand @fastify/rate-limit (it constructs the store itself, with its own options). */
export function rateLimitCounterStore(counters: RequestWindowCounters, nameSpace: string): FastifyRateLimitStoreCtor {
  return class extends RateLimitCounterStore {
    constructor() {
      super(counters, nameSpace);
    }
  };
}
