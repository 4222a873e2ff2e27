import { get } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.ts';
import { startAdminProcess, testAdminToken } from '../support/leadrelay-system.ts';
import { PrivateRedis } from '../support/private-redis.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createQueuePrefix } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';

// Mirrors adminAuthFailureLimit in apps/admin/src/plugins/admin-auth.ts.
const failureLimit = 20;

/** The admin on a Redis of the test's own, killed mid-test: failed logins are still limited. */
describe('admin authentication while Redis is away', () => {
  const redis = new PrivateRedis();
  const queuePrefix = createQueuePrefix();
  let database: TestDatabase;
  let admin: AppProcess;
  let adminUrl: string;

  beforeAll(async () => {
    await redis.start();
    database = await createTestDatabase();
    ({ process: admin, url: adminUrl } = await startAdminProcess({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix }));
  });

  afterAll(async () => {
    await admin?.stop();
    await redis.destroy();
    await database?.drop();
  });

  /**
   * GET /v1/partners with a bearer token, from a loopback address of its own: each test is then a
   * client of its own, with a failure count of its own.
   */
  function call(token: string, localAddress: string): Promise<{ status: number; retryAfter: string | undefined; body: { error?: { code: string } } }> {
    return new Promise((resolve, reject) => {
      const request = get(`${adminUrl}/v1/partners`, { localAddress, headers: { authorization: `Bearer ${token}` } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode!, retryAfter: response.headers['retry-after'] as string | undefined, body: JSON.parse(text) }),
        );
      });
      request.on('error', reject);
    });
  }

  /** 401 up to the limit, then 429 with Retry-After; never 500. */
  async function expectLimitedGuesses(localAddress: string): Promise<void> {
    const statuses: number[] = [];
    for (let index = 0; index < failureLimit; index += 1) {
      const refused = await call(`guess-${index}`, localAddress);
      statuses.push(refused.status);
      expect(refused.body).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect(statuses).toEqual(Array(failureLimit).fill(401));
    for (let index = 0; index < 3; index += 1) {
      const limited = await call('one-more-guess', localAddress);
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
      const retryAfter = Number(limited.retryAfter);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // Partners are read from PostgreSQL: the right token is neither limited nor stopped by Redis.
    expect((await call(testAdminToken, localAddress)).status).toBe(200);
  }

  const logLines = (text: string) => admin.output.join('').split('\n').filter((line) => line.includes(text));
  /**
   * The admin logs before it answers, but its output reaches this process through a pipe that
   * can be read after the answer's socket: wait until `count` lines are in, then check no more came.
   */
  async function expectLogLines(text: string, count: number): Promise<void> {
    await waitFor(() => logLines(text).length >= count, { description: `${count} log line(s) with "${text}"` });
    expect(logLines(text)).toHaveLength(count);
  }

  it('limits failed logins in the process while Redis answers errors, and in Redis again once it answers', async () => {
    const client = '127.0.0.2';
    expect((await call(testAdminToken, client)).status).toBe(200);
    const control = new Redis(redis.url);
    try {
      // Over maxmemory with noeviction, Redis refuses every write (OOM): the counter's INCR fails.
      await control.config('SET', 'maxmemory', '1');
      await expectLimitedGuesses(client);
      await control.config('SET', 'maxmemory', '0');
    } finally {
      control.disconnect();
    }
    // Redis counts again, from zero: the in-process count was this instance's only.
    expect((await call('after-recovery', client)).status).toBe(401);
    expect(await countedInRedis()).toBe(1);
    await expectLogLines('counting them in this process', 1);
    await expectLogLines('counted in Redis again', 1);
  });

  it('limits failed logins in the process once Redis is killed', async () => {
    const client = '127.0.0.3';
    expect((await call(testAdminToken, client)).status).toBe(200);
    await redis.kill('SIGKILL');
    await expectLimitedGuesses(client);
    // The switch is logged when it happens, not once per failure.
    await expectLogLines('counting them in this process', 2);
  });

  /** The failures Redis holds, over every client. */
  async function countedInRedis(): Promise<number> {
    const control = new Redis(redis.url);
    try {
      const keys = await control.keys(`${queuePrefix}:admin-auth-failures:*`);
      let total = 0;
      for (const key of keys) total += Number(await control.get(key));
      return total;
    } finally {
      control.disconnect();
    }
  }
});
