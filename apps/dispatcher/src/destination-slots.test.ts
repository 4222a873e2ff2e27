import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../../../test/support/test-redis.ts';
import { DestinationSlots } from './destination-slots.ts';

describe('DestinationSlots', () => {
  const prefix = createQueuePrefix();
  const redis = new Redis(testRedisUrl);
  // Two instances on two connections stand for two dispatcher processes.
  const otherRedis = new Redis(testRedisUrl);
  const slots = new DestinationSlots({ redis, prefix });
  const otherSlots = new DestinationSlots({ redis: otherRedis, prefix });

  afterAll(async () => {
    redis.disconnect();
    otherRedis.disconnect();
    await deleteRedisKeys(prefix);
  });

  it('gives out at most maxConcurrency slots over all dispatchers', async () => {
    const destinationId = randomUUID();
    const leases = await Promise.all(
      Array.from({ length: 6 }, (_, index) => (index % 2 ? slots : otherSlots).acquire(destinationId, 4, 60_000)),
    );
    expect(leases.filter(Boolean)).toHaveLength(4);
    expect(await slots.inFlight(destinationId)).toBe(4);
    await slots.release(leases.find(Boolean)!, 4);
    expect(await otherSlots.acquire(destinationId, 4, 60_000)).not.toBeNull();
    expect(await otherSlots.acquire(destinationId, 4, 60_000)).toBeNull();
  });

  it('answers acquires and releases made together, merged into one call per destination, as if made one by one', async () => {
    const [destinationId, otherDestinationId] = [randomUUID(), randomUUID()];
    const leases = await Promise.all([
      ...Array.from({ length: 10 }, () => slots.acquire(destinationId, 4, 60_000)),
      ...Array.from({ length: 3 }, () => slots.acquire(otherDestinationId, 2, 60_000)),
    ]);
    expect(leases.slice(0, 10).filter(Boolean)).toHaveLength(4);
    expect(leases.slice(10).filter(Boolean)).toHaveLength(2);
    expect(await slots.park(destinationId, 'job-a', 4, 60_000)).toEqual([]);
    expect(await slots.park(destinationId, 'job-b', 4, 60_000)).toEqual([]);
    // Two slots freed together: both parked jobs come back once, to one of the callers.
    const granted = leases.slice(0, 10).filter((lease) => lease !== null);
    const released = await Promise.all(granted.slice(0, 2).map((lease) => slots.release(lease, 4)));
    expect(released.flat().sort()).toEqual(['job-a', 'job-b']);
    expect(await slots.inFlight(destinationId)).toBe(2);
    expect(await slots.inFlight(otherDestinationId)).toBe(2);
  });

  it('hands a freed slot to the oldest parked job, and a job parked while a slot is free to itself', async () => {
    const destinationId = randomUUID();
    const lease = await slots.acquire(destinationId, 1, 60_000);
    expect(lease).not.toBeNull();
    expect(await slots.park(destinationId, 'job-a', 1, 60_000)).toEqual([]);
    expect(await otherSlots.park(destinationId, 'job-b', 1, 60_000)).toEqual([]);
    expect(await slots.release(lease!, 1)).toEqual(['job-a']);
    // job-a has not taken the slot yet; job-b is next in line.
    expect(await slots.park(destinationId, 'job-c', 1, 60_000)).toEqual(['job-b']);
    expect(await slots.park(destinationId, 'job-d', 2, 60_000)).toEqual(['job-c', 'job-d']);
  });

  it('takes back the slot of a dispatcher that died holding it once its lease expires', async () => {
    const destinationId = randomUUID();
    expect(await slots.acquire(destinationId, 1, 100)).not.toBeNull();
    expect(await otherSlots.acquire(destinationId, 1, 60_000)).toBeNull();
    await expect.poll(() => otherSlots.acquire(destinationId, 1, 60_000), { timeout: 5_000, interval: 50 }).not.toBeNull();
  });

  describe('acquireWithin: waiting in this process for a full destination', () => {
    const wait = { waitMs: 10_000, maxWaiting: 10, handOverMinRemainingMs: 1_000 };

    it('hands a slot given back here straight to the longest waiter, without a new lease in Redis', async () => {
      const destinationId = randomUUID();
      const held = (await slots.acquire(destinationId, 1, 60_000))!;
      const first = slots.acquireWithin(destinationId, 1, 60_000, wait);
      const second = slots.acquireWithin(destinationId, 1, 60_000, wait);
      // Both wait (the destination is full) until this process gives its slot back.
      await expect.poll(() => slots.waitingFor(destinationId)).toBe(2);
      expect(await slots.release(held, 1)).toEqual([]);
      const handedOver = (await first)!;
      expect(handedOver.token).toBe(held.token);
      expect(await slots.inFlight(destinationId)).toBe(1);
      await slots.release(handedOver, 1);
      expect((await second)!.token).toBe(held.token);
    });

    it('gives the slot back to Redis when too little of the lease is left, and the waiter takes a new one', async () => {
      const destinationId = randomUUID();
      const held = (await slots.acquire(destinationId, 1, 500))!;
      const waiting = slots.acquireWithin(destinationId, 1, 60_000, { ...wait, handOverMinRemainingMs: 30_000 });
      await expect.poll(() => slots.waitingFor(destinationId)).toBe(1);
      await slots.release(held, 1);
      const lease = (await waiting)!;
      expect(lease.token).not.toBe(held.token);
      expect(await slots.inFlight(destinationId)).toBe(1);
    });

    it('gives up after waitMs when only another process holds the slots, and at once past maxWaiting', async () => {
      const destinationId = randomUUID();
      expect(await otherSlots.acquire(destinationId, 1, 60_000)).not.toBeNull();
      const crowded = { ...wait, waitMs: 60_000, maxWaiting: 1 };
      const waiting = slots.acquireWithin(destinationId, 1, 60_000, { ...crowded, waitMs: 300 });
      await expect.poll(() => slots.waitingFor(destinationId)).toBe(1);
      expect(await slots.acquireWithin(destinationId, 1, 60_000, crowded)).toBeNull();
      expect(await waiting).toBeNull();
      expect(slots.waitingFor(destinationId)).toBe(0);
    });
  });
});
