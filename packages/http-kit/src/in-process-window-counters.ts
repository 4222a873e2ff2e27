export interface InProcessWindowCount {
  /** Counts so far in the key's current window, this one included. */
  count: number;
  /** Milliseconds until the window ends and the count starts again. */
  remainingMs: number;
}

/**
 * Fixed-window counters in this process's memory, windows started by a key's first count (as the
 * Redis counters start them with INCR and PEXPIRE NX). Only for when Redis cannot count: they are
 * not shared with other instances and are gone on restart. At most `maxKeys` keys are held, so a
 * caller cycling through addresses cannot grow the process without bound; past that the oldest
 * window is dropped.
 */
export class InProcessWindowCounters {
  // A Map iterates in insertion order, and a key is re-inserted when its window starts again, so
  // the first entries are always the windows that end first.
  readonly #windows = new Map<string, { count: number; endsAtMs: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
    private readonly nowMs: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#windows.size;
  }

  increment(key: string): InProcessWindowCount {
    const now = this.nowMs();
    let window = this.#windows.get(key);
    if (!window || window.endsAtMs <= now) {
      this.#windows.delete(key);
      this.#dropEnded(now);
      window = { count: 0, endsAtMs: now + this.windowMs };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, remainingMs: window.endsAtMs - now };
  }

  #dropEnded(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.endsAtMs > now && this.#windows.size < this.maxKeys) return;
      this.#windows.delete(key);
    }
  }
}
