import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.ts';
import { startAdminProcess, testAdminToken } from '../support/leadrelay-system.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys } from '../support/test-redis.ts';

// Mirrors adminAuthFailureLimit in apps/admin/src/plugins/admin-auth.ts.
const failureLimit = 20;

/** Two admin instances sharing one Redis prefix and database, as when scaled out. */
describe('admin authentication', () => {
  let database: TestDatabase;
  const queuePrefix = createQueuePrefix();
  const admins: { process: AppProcess; url: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    admins.push(...(await Promise.all([0, 1].map(() => startAdminProcess({ databaseUrl: database.url, queuePrefix })))));
  });

  afterAll(async () => {
    await Promise.all(admins.map((admin) => admin.process.stop()));
    await database?.drop();
    await deleteRedisKeys(queuePrefix);
  });

  const call = (instance: number, path: string, init: RequestInit = {}) => fetch(`${admins[instance]!.url}${path}`, init);
  const withToken = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

  it('answers 401 to a missing or wrong token, 429 with Retry-After once an address failed too often on any instance, and never refuses the right token', async () => {
    const refused: Response[] = [];
    refused.push(await call(0, '/v1/partners'));
    refused.push(await call(1, '/v1/stats', withToken('wrong-token')));
    refused.push(await call(0, '/v1/leads', { headers: { authorization: `Basic ${Buffer.from(`admin:${testAdminToken}`).toString('base64')}` } }));
    refused.push(await call(1, '/v1/partners', withToken(`${testAdminToken}x`)));
    // An unauthenticated caller learns nothing about validation: 401 before the body is read.
    refused.push(
      await call(0, '/v1/partners', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"slug": 1}' }),
    );
    while (refused.length < failureLimit) refused.push(await call(refused.length % 2, '/v1/partners', withToken(`guess-${refused.length}`)));

    for (const response of refused) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }

    // The failures were shared through Redis: both instances now answer 429.
    for (const instance of [0, 1]) {
      const limited = await call(instance, '/v1/partners', withToken('one-more-guess'));
      expect(limited.status).toBe(429);
      expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }

    // Successful requests are neither limited nor counted.
    for (let index = 0; index < 3; index += 1) {
      const allowed = await call(index % 2, '/v1/partners', withToken(testAdminToken));
      expect(allowed.status).toBe(200);
    }
  });
});
