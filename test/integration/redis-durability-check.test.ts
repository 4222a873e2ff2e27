import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VolatileRedisError, checkRedisDurability } from '@leadrelay/lifecycle';
import { PrivateRedis } from '../support/private-redis.ts';

/** The start-up check every app runs, against redis-servers of the test's own with the settings in question. */
describe('the start-up check of Redis durability', () => {
  const servers = {
    durable: new PrivateRedis(['--appendonly', 'yes']),
    volatile: new PrivateRedis(),
    evicting: new PrivateRedis(['--appendonly', 'yes', '--maxmemory-policy', 'allkeys-lru']),
    // As managed Redis services often are: CONFIG refused, so the policy comes from INFO memory.
    evictingWithoutConfig: new PrivateRedis(['--appendonly', 'yes', '--maxmemory-policy', 'volatile-lru', '--rename-command', 'CONFIG', '']),
  };

  beforeAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.start()));
  });

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => server.destroy()));
  });

  /** Runs the check and collects what it warned. */
  async function check(server: PrivateRedis, env: { NODE_ENV: string; ALLOW_VOLATILE_REDIS?: boolean }) {
    const warnings: string[] = [];
    const result = await checkRedisDurability(
      { REDIS_URL: server.url, NODE_ENV: env.NODE_ENV, ALLOW_VOLATILE_REDIS: env.ALLOW_VOLATILE_REDIS ?? false },
      { warn: (message) => warnings.push(message) },
    );
    return { ...result, warnings };
  }

  async function refusal(server: PrivateRedis, env: { NODE_ENV: string }): Promise<VolatileRedisError> {
    const error = await check(server, env).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(VolatileRedisError);
    return error as VolatileRedisError;
  }

  it('lets every environment start on a Redis with AOF and noeviction, silently', async () => {
    for (const NODE_ENV of ['production', 'development', 'test']) {
      const result = await check(servers.durable, { NODE_ENV });
      expect(result.settings).toEqual({ aofEnabled: true, maxmemoryPolicy: 'noeviction' });
      expect(result.problems).toEqual([]);
      expect(result.warnings).toEqual([]);
    }
  });

  it('refuses production on a Redis without AOF, in one line that says what to do', async () => {
    const { message } = await refusal(servers.volatile, { NODE_ENV: 'production' });
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain(`Redis at ${servers.volatile.url} can lose acknowledged leads: AOF is off (appendonly no)`);
    expect(message).toContain('ALLOW_VOLATILE_REDIS=true');
  });

  it('refuses production on a Redis that may evict keys, reading the policy from INFO where CONFIG is refused', async () => {
    expect((await refusal(servers.evicting, { NODE_ENV: 'production' })).message).toContain('maxmemory-policy is allkeys-lru, not noeviction');
    expect((await refusal(servers.evictingWithoutConfig, { NODE_ENV: 'production' })).message).toContain(
      'maxmemory-policy is volatile-lru, not noeviction',
    );
  });

  it('warns once, and starts, in development or when ALLOW_VOLATILE_REDIS=true', async () => {
    const development = await check(servers.volatile, { NODE_ENV: 'development' });
    expect(development.settings).toEqual({ aofEnabled: false, maxmemoryPolicy: 'noeviction' });
    expect(development.warnings).toHaveLength(1);
    expect(development.warnings[0]).toContain('AOF is off (appendonly no)');
    expect(development.warnings[0]).toContain('NODE_ENV=production refuses it');

    const allowed = await check(servers.evicting, { NODE_ENV: 'production', ALLOW_VOLATILE_REDIS: true });
    expect(allowed.problems).toEqual(['maxmemory-policy is allkeys-lru, not noeviction']);
    expect(allowed.warnings).toHaveLength(1);
    expect(allowed.warnings[0]).toContain('started anyway: ALLOW_VOLATILE_REDIS=true');
  });
});
