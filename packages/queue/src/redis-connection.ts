import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '@leadrelay/config';

/**
 * - `worker`: BullMQ workers block on Redis and must wait out outages: no per-command retry limit.
 * - `producer`: request paths must fail fast when Redis is down, never queue commands offline.
 * - `client`: other short commands (claims, rate limits, health checks); fail fast too.
 * - `check`: one start-up check: connects when asked (`connect()`), never retries, every command
 *   bounded by `timeoutMs`.
 */
export type RedisConnectionRole = 'worker' | 'producer' | 'client' | 'check';

export interface RedisConnectionOptions {
  role: RedisConnectionRole;
  /** Shown in `CLIENT LIST`, to tell LeadRelay's connections apart. */
  connectionName?: string;
  /** For `check`: how long connecting and each command may take (default 3 s). */
  timeoutMs?: number;
}

/** A connection to a single Redis (or a Sentinel set's primary) or to a Redis Cluster: both speak the same commands. */
export type RedisConnection = Redis | Cluster;

/**
 * The one place LeadRelay connects to Redis, whatever the deployment runs: one server, a Redis
 * Cluster or a Sentinel set (RedisTarget, from the environment by `redisTargetOf`).
 */
export function createRedisConnection(target: RedisTarget | string, { role, connectionName, timeoutMs = 3_000 }: RedisConnectionOptions): RedisConnection {
  const resolved: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const options = roleOptions(role, timeoutMs);
  if (connectionName) options.connectionName = connectionName;
  // Reconnect with a capped backoff; outages are reported by readiness, not by log floods.
  const retryStrategy = role === 'check' ? () => null : (times: number) => Math.min(times * 200, 2_000);
  const credentials = credentialsOf(resolved.url);
  let redis: RedisConnection;
  if (resolved.kind === 'cluster') {
    const { enableOfflineQueue, lazyConnect, ...nodeOptions } = options;
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...nodeOptions, ...credentials },
      clusterRetryStrategy: retryStrategy,
      enableOfflineQueue: enableOfflineQueue ?? true,
      lazyConnect: lazyConnect ?? false,
      // A failover or resharding answers MOVED/TRYAGAIN/CLUSTERDOWN for a moment; retried, not failed.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
    };
    redis = new Cluster(resolved.nodes, clusterOptions);
  } else if (resolved.kind === 'sentinel') {
    redis = new Redis({
      ...options,
      ...credentials,
      sentinels: resolved.sentinels,
      name: resolved.name,
      retryStrategy,
      sentinelRetryStrategy: retryStrategy,
      // Follows +switch-master at once rather than on the next failed command.
      failoverDetector: true,
      lazyConnect: options.lazyConnect ?? false,
    });
  } else {
    redis = new Redis(resolved.url, { ...options, retryStrategy, lazyConnect: options.lazyConnect ?? false });
  }
  // Without a listener ioredis prints every failed reconnect; readiness checks report outages.
  redis.on('error', () => {});
  return redis;
}

function roleOptions(role: RedisConnectionRole, timeoutMs: number): RedisOptions {
  switch (role) {
    case 'worker':
      return { maxRetriesPerRequest: null, enableReadyCheck: true };
    case 'check':
      return { lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false };
    default:
      return { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, commandTimeout: 2_000 };
  }
}

/** REDIS_URL's user, password, database and TLS, for the nodes of a cluster or a Sentinel's primary. */
function credentialsOf(url: string): Pick<RedisOptions, 'username' | 'password' | 'tls' | 'db'> {
  const parsed = new URL(url);
  const credentials: Pick<RedisOptions, 'username' | 'password' | 'tls' | 'db'> = {};
  if (parsed.username) credentials.username = decodeURIComponent(parsed.username);
  if (parsed.password) credentials.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') credentials.tls = {};
  const db = Number(parsed.pathname.slice(1));
  if (parsed.pathname.length > 1 && Number.isInteger(db)) credentials.db = db;
  return credentials;
}

/** Whether a connection is to a Redis Cluster, where every multi-key call must stay in one slot. */
export function isCluster(redis: RedisConnection): redis is Cluster {
  return redis.isCluster;
}
