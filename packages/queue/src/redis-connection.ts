import { Redis, type RedisOptions } from 'ioredis';

/**
 * - `worker`: BullMQ workers block on Redis and must wait out outages: no per-command retry limit.
 * - `producer`: request paths must fail fast when Redis is down, never queue commands offline.
 * - `client`: other short commands (claims, rate limits, health checks); fail fast too.
 */
export type RedisConnectionRole = 'worker' | 'producer' | 'client';

export interface RedisConnectionOptions {
  role: RedisConnectionRole;
  /** Shown in `CLIENT LIST`, to tell LeadRelay's connections apart. */
  connectionName?: string;
}

export function createRedisConnection(url: string, { role, connectionName }: RedisConnectionOptions): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, commandTimeout: 2_000 };
  if (connectionName) options.connectionName = connectionName;
  const redis = new Redis(url, {
    ...options,
    // Reconnect with a capped backoff; outages are reported by readiness, not by log floods.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
  // Without a listener ioredis prints every failed reconnect; readiness checks report outages.
  redis.on('error', () => {});
  return redis;
}
