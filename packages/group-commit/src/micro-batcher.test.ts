import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher.ts';

describe('MicroBatcher', () => {
  it('runs calls made together as one batch and answers each with its own output', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>({
      run: async (inputs) => {
        batches.push(inputs);
        return inputs.map((input) => input * 10);
      },
      maxBatchWeight: 100,
      maxConcurrentBatches: 1,
    });
    expect(await Promise.all([1, 2, 3].map((input) => batcher.submit(input)))).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('keeps to the batch size and the batches in flight, gathering what waits into the next batch', async () => {
    const batches: number[][] = [];
    let running = 0;
    let maxRunning = 0;
    const release: (() => void)[] = [];
    const batcher = new MicroBatcher<number, number>({
      run: async (inputs) => {
        batches.push(inputs);
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
        return inputs;
      },
      maxBatchWeight: 2,
      maxConcurrentBatches: 1,
    });
    const first = [1, 2, 3].map((input) => batcher.submit(input));
    await expect.poll(() => batches.length).toBe(1);
    const later = [4, 5].map((input) => batcher.submit(input));
    release.shift()!();
    await expect.poll(() => batches.length).toBe(2);
    release.shift()!();
    await expect.poll(() => batches.length).toBe(3);
    release.shift()!();
    expect(await Promise.all([...first, ...later])).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(maxRunning).toBe(1);
  });

  it('fails every call of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const batcher = new MicroBatcher<string, string>({
      run: async (inputs) => {
        if (fail) throw new Error('database unreachable');
        return inputs;
      },
      maxBatchWeight: 10,
      maxConcurrentBatches: 1,
    });
    const results = await Promise.allSettled(['a', 'b'].map((input) => batcher.submit(input)));
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.submit('c')).toBe('c');
  });

  it('counts inputs by weight and never splits one, so a heavy input runs alone', async () => {
    const batches: string[][] = [];
    let release: () => void = () => {};
    const blocker = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<string, string>({
      run: async (inputs) => {
        batches.push(inputs);
        if (inputs[0] === 'first') await blocker;
        return inputs;
      },
      maxBatchWeight: 10,
      maxConcurrentBatches: 1,
      weightOf: (input) => input.length,
    });
    const first = batcher.submit('first');
    await expect.poll(() => batches.length).toBe(1);
    // Waiting: 4 + 4 fit in 10; the 12-long input does not fit with them and goes alone.
    const later = ['abcd', 'efgh', 'twelve-chars', 'x'].map((input) => batcher.submit(input));
    release();
    expect(await Promise.all([first, ...later])).toEqual(['first', 'abcd', 'efgh', 'twelve-chars', 'x']);
    expect(batches).toEqual([['first'], ['abcd', 'efgh'], ['twelve-chars'], ['x']]);
  });

  it('fails the whole batch when it answers a different number of outputs', async () => {
    const batcher = new MicroBatcher<number, number>({ run: async () => [1], maxBatchWeight: 10, maxConcurrentBatches: 1 });
    const results = await Promise.allSettled([1, 2].map((input) => batcher.submit(input)));
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
