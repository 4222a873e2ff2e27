import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimedBatcher } from './timed-batcher.ts';

describe('TimedBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const echo = (batches: number[][]) => async (items: number[]) => {
    batches.push(items);
    return items.map((value) => ({ status: 'fulfilled' as const, value: value * 10 }));
  };

  it('flushes as soon as a batch is full, without waiting', async () => {
    const batches: number[][] = [];
    const batcher = new TimedBatcher<number, number>({ maxBatchSize: 3, maxWaitMs: 60_000, maxConcurrentFlushes: 1, flush: echo(batches) });
    const results = await Promise.all([1, 2, 3].map((item) => batcher.add(item)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('flushes a partial batch once its first item has waited maxWaitMs', async () => {
    const batches: number[][] = [];
    const batcher = new TimedBatcher<number, number>({ maxBatchSize: 100, maxWaitMs: 5, maxConcurrentFlushes: 1, flush: echo(batches) });
    const pending = [batcher.add(1), batcher.add(2)];
    await vi.advanceTimersByTimeAsync(4);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await Promise.all(pending)).toEqual([10, 20]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('settles each item with its own result and rejects every item when the flush throws', async () => {
    let fail = false;
    const batcher = new TimedBatcher<number, number>({
      maxBatchSize: 2,
      maxWaitMs: 5,
      maxConcurrentFlushes: 1,
      flush: async (items) => {
        if (fail) throw new Error('database down');
        return items.map((value) => (value < 0 ? { status: 'rejected' as const, reason: new Error('negative') } : { status: 'fulfilled' as const, value }));
      },
    });
    const [ok, bad] = await Promise.allSettled([batcher.add(1), batcher.add(-1)]);
    expect(ok).toEqual({ status: 'fulfilled', value: 1 });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('negative') });
    fail = true;
    const settled = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('keeps at most maxConcurrentFlushes batches in flight and queues the rest', async () => {
    const releases: (() => void)[] = [];
    const batches: number[][] = [];
    const batcher = new TimedBatcher<number, number>({
      maxBatchSize: 1,
      maxWaitMs: 5,
      maxConcurrentFlushes: 2,
      flush: (items) => {
        batches.push(items);
        return new Promise((resolve) => releases.push(() => resolve(items.map((value) => ({ status: 'fulfilled', value })))));
      },
    });
    const results = [1, 2, 3].map((item) => batcher.add(item));
    expect(batches).toEqual([[1], [2]]);
    releases.shift()!();
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[1], [2], [3]]);
    for (const release of releases.splice(0)) release();
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
  });

  it('starts the next batch once a flush releases its slot, before that flush settles', async () => {
    const batches: number[][] = [];
    let finishFirst: (() => void) | undefined;
    const batcher = new TimedBatcher<number, number>({
      maxBatchSize: 2,
      maxWaitMs: 5,
      maxConcurrentFlushes: 1,
      flush: (items, releaseSlot) => {
        batches.push(items);
        if (batches.length > 1) return Promise.resolve(items.map((value) => ({ status: 'fulfilled' as const, value })));
        return new Promise((resolve) => {
          finishFirst = () => resolve(items.map((value) => ({ status: 'fulfilled' as const, value })));
          // e.g. the transaction committed; publishing goes on while the next batch is written.
          setTimeout(releaseSlot, 1);
        });
      },
    });
    const first = [batcher.add(1), batcher.add(2)];
    const second = [batcher.add(3), batcher.add(4)];
    expect(batches).toEqual([[1, 2]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1, 2], [3, 4]]);
    expect(await Promise.all(second)).toEqual([3, 4]);
    finishFirst!();
    expect(await Promise.all(first)).toEqual([1, 2]);
  });

  it('flushes what waits on close, then refuses new items', async () => {
    const batches: number[][] = [];
    const batcher = new TimedBatcher<number, number>({ maxBatchSize: 100, maxWaitMs: 60_000, maxConcurrentFlushes: 1, flush: echo(batches) });
    const pending = batcher.add(7);
    await batcher.close();
    expect(await pending).toBe(70);
    await expect(batcher.add(8)).rejects.toThrow('closed');
  });
});
