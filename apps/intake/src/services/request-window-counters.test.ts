import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../../../../test/support/test-redis.ts';
import { RequestWindowCounters } from './request-window-counters.ts';

describe('RequestWindowCounters', () => {
  const prefix = createQueuePrefix();
  const redis = new Redis(testRedisUrl);
  // Two instances on two connections stand for two intake processes.
  const otherRedis = new Redis(testRedisUrl);
  const counters = new RequestWindowCounters(redis);
  const otherCounters = new RequestWindowCounters(otherRedis);
  const key = () => `${prefix}:rate-limit:${randomUUID()}`;

  afterAll(async () => {
    redis.disconnect();
    otherRedis.disconnect();
    await deleteRedisKeys(prefix);
  });

  it('gives every request of a window its own number, over instances and keys counted together', async () => {
    const [partnerA, partnerB] = [key(), key()];
    const counts = await Promise.all(
      Array.from({ length: 300 }, (_, index) =>
        (index % 3 === 0 ? otherCounters : counters).increment(index % 2 === 0 ? partnerA : partnerB, 60_000),
      ),
    );
    const numbersOf = (parity: number) =>
      counts
        .filter((_, index) => index % 2 === parity)
        .map((count) => count.current)
        .sort((a, b) => a - b);
    const oneToHundredFifty = Array.from({ length: 150 }, (_, index) => index + 1);
    expect(numbersOf(0)).toEqual(oneToHundredFifty);
    expect(numbersOf(1)).toEqual(oneToHundredFifty);
    expect(await redis.get(partnerA)).toBe('150');
    expect(await redis.get(partnerB)).toBe('150');
  });

  it('starts the window at the first request and counts down, not restarting it on later ones', async () => {
    const partner = key();
    const first = await counters.increment(partner, 60_000);
    expect(first).toEqual({ current: 1, ttl: 60_000 });
    await redis.pexpire(partner, 30_000);
    const second = await counters.increment(partner, 60_000);
    expect(second.current).toBe(2);
    expect(second.ttl).toBeGreaterThan(25_000);
    expect(second.ttl).toBeLessThanOrEqual(30_000);
  });

  it('starts a new window once the last one ended, and repairs a counter left without one', async () => {
    const partner = key();
    await redis.set(partner, '7', 'PX', 1);
    await expect.poll(() => redis.exists(partner)).toBe(0);
    expect(await counters.increment(partner, 60_000)).toEqual({ current: 1, ttl: 60_000 });

    const withoutWindow = key();
    await redis.set(withoutWindow, '5');
    expect(await counters.increment(withoutWindow, 60_000)).toEqual({ current: 6, ttl: 60_000 });
    expect(await redis.pttl(withoutWindow)).toBeGreaterThan(0);
  });

  it('fails every request of a call when Redis refuses it', async () => {
    const closed = new Redis(testRedisUrl, { lazyConnect: true, enableOfflineQueue: false });
    const connectionErrors: unknown[] = [];
    closed.on('error', (error) => connectionErrors.push(error));
    const refused = new RequestWindowCounters(closed);
    await expect(Promise.all([refused.increment(key(), 60_000), refused.increment(key(), 60_000)])).rejects.toThrow();
    closed.disconnect();
  });
});
