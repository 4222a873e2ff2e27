import pg from 'pg';
import { describeRedisTarget, redactUrlPassword, type RedisTarget } from '@leadrelay/config';
import { createRedisConnection, type RedisConnection } from '@leadrelay/queue';

/** A start-up check that stops the process; its message is the one line the process prints before exiting. */
export class StartupCheckError extends Error {
  override readonly name: string = 'StartupCheckError';
}

/** Thrown at start-up when Redis or PostgreSQL cannot be reached. */
export class DependencyUnavailableError extends StartupCheckError {
  override readonly name = 'DependencyUnavailableError';
}

const howToStart =
  'start it (docker compose -f docker/compose.yaml up -d redis postgres, or the machine\'s own service) or set';

/** A connection for one check: no retries, no offline queue, every command bounded by `timeoutMs`. */
export function checkConnection(target: RedisTarget | string, timeoutMs: number): RedisConnection {
  return createRedisConnection(target, { role: 'check', timeoutMs });
}

/** `target`: REDIS_URL alone, or the deployment's RedisTarget (redisTargetOf: a cluster or a Sentinel set). */
export async function checkRedisReachable(target: RedisTarget | string, timeoutMs = 3_000): Promise<void> {
  const resolved: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const redis = checkConnection(resolved, timeoutMs);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new DependencyUnavailableError(
      `Redis is not reachable at ${describeRedisTarget(resolved)} (${describeError(error)}): ${howToStart} ${{ single: 'REDIS_URL', cluster: 'REDIS_CLUSTER_NODES', sentinel: 'REDIS_SENTINELS' }[resolved.kind]}`,
    );
  } finally {
    redis.disconnect();
  }
}

export async function checkPostgresReachable(databaseUrl: string, timeoutMs = 3_000): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new DependencyUnavailableError(
      `PostgreSQL is not reachable at ${redactUrlPassword(databaseUrl)} (${describeError(error)}): ${howToStart} DATABASE_URL`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function describeError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error instanceof Error ? error.message.split('\n')[0] : String(error)) ?? '';
  return code && !message.includes(code) ? `${code}: ${message}` : message || 'no answer';
}
