/**
 * At most `limit` tasks of this process run at once; the others wait in the order they came.
 * Fan-out jobs make many first attempts each, and this keeps them within DISPATCHER_CONCURRENCY
 * however many events the jobs running at once carry.
 */
export class ConcurrencyLimiter {
  readonly #limit: number;
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit must be a positive integer, not ${limit}`);
    this.#limit = limit;
  }

  /**
   * Runs `task` once a place is free. The place is freed when the task ends, or earlier when the
   * task calls `leave` (e.g. once a request is answered, while its outcome is being recorded).
   */
  async run<Result>(task: (leave: () => void) => Promise<Result>): Promise<Result> {
    if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running += 1;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      // The place passes straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    };
    try {
      return await task(leave);
    } finally {
      leave();
    }
  }
}
