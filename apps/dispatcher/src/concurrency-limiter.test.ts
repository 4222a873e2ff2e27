import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';

describe('ConcurrencyLimiter', () => {
  it('runs at most its limit at once, the others in the order they came, and frees a slot when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const started: number[] = [];
    const finish: (() => void)[] = [];
    let running = 0;
    let maxRunning = 0;
    const tasks = [0, 1, 2, 3, 4].map((index) =>
      limiter.run(async () => {
        started.push(index);
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((resolve) => finish.push(resolve));
        running -= 1;
        if (index === 1) throw new Error('task 1 failed');
        return index;
      }),
    );
    const settledTasks = Promise.allSettled(tasks);
    // Let the first two start, then end tasks one by one, oldest first.
    for (let ended = 0; ended < 5; ended += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      finish.shift()!();
    }
    const settled = await settledTasks;
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(maxRunning).toBe(2);
  });

  it('lets the next task start when a running one leaves early, and counts a task that leaves once', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const events: string[] = [];
    let finishFirst: () => void = () => {};
    const first = limiter.run(async (leave) => {
      events.push('first started');
      leave();
      leave();
      await new Promise<void>((resolve) => (finishFirst = resolve));
      events.push('first ended');
    });
    const second = limiter.run(async () => {
      events.push('second started');
    });
    await second;
    expect(events).toEqual(['first started', 'second started']);
    finishFirst();
    await first;
    // Leaving twice freed one place only: the limit still holds.
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      [1, 2, 3].map(() =>
        limiter.run(async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setImmediate(resolve));
          running -= 1;
        }),
      ),
    );
    expect(maxRunning).toBe(1);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});
