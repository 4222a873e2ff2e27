import { describe, expect, it } from 'vitest';
import { InProcessWindowCounters } from './in-process-window-counters.ts';

describe('InProcessWindowCounters', () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('counts each key on its own within a window started by its first count', () => {
    const time = clock();
    const counters = new InProcessWindowCounters(60_000, 100, time.now);
    expect(counters.increment('a')).toEqual({ count: 1, remainingMs: 60_000 });
    time.advance(10_000);
    expect(counters.increment('a')).toEqual({ count: 2, remainingMs: 50_000 });
    expect(counters.increment('b')).toEqual({ count: 1, remainingMs: 60_000 });
  });

  it('starts counting again once the window ended', () => {
    const time = clock();
    const counters = new InProcessWindowCounters(60_000, 100, time.now);
    counters.increment('a');
    counters.increment('a');
    time.advance(60_000);
    expect(counters.increment('a')).toEqual({ count: 1, remainingMs: 60_000 });
  });

  it('holds at most maxKeys keys, dropping ended windows first and then the oldest', () => {
    const time = clock();
    const counters = new InProcessWindowCounters(60_000, 3, time.now);
    counters.increment('old');
    time.advance(30_000);
    counters.increment('a');
    counters.increment('b');
    time.advance(30_000);
    // "old" ended: it goes, and the others stay.
    counters.increment('c');
    expect(counters.size).toBe(3);
    expect(counters.increment('a').count).toBe(2);
    // Full with live windows: the one that started first ("a") goes.
    counters.increment('d');
    expect(counters.size).toBe(3);
    expect(counters.increment('b').count).toBe(2);
    expect(counters.increment('c').count).toBe(2);
    expect(counters.increment('a').count).toBe(1);
  });
});
