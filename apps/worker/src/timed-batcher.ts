export interface TimedBatcherOptions<Item, Result> {
  /** A batch is flushed as soon as it holds this many items... */
  maxBatchSize: number;
  /** ...or once its first item has waited this long, whichever comes first. */
  maxWaitMs: number;
  /**
   * Batches that hold a flush slot at once. A batch starts only when a slot is free, so while
   * the slots are busy items keep collecting and the next batch is as large as the wait made it.
   */
  maxConcurrentFlushes: number;
  /**
   * Handles one batch and settles every item: the result at an item's index resolves that
   * item's promise. Rejecting rejects every item of the batch. `releaseSlot` lets the next batch
   * start before this one settles (e.g. once its transaction committed, while it publishes).
   */
  flush(items: Item[], releaseSlot: () => void): Promise<PromiseSettledResult<Result>[]>;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/**
 * Collects items handed in one at a time (one per BullMQ job) into batches, so many jobs in
 * flight share one database round trip per table. Unlike `@leadrelay/group-commit`'s
 * `MicroBatcher`, which never waits (a call goes at once, or with the calls made while earlier
 * batches ran), this one holds a batch open up to `maxWaitMs` to fill it: a worker's
 * transaction costs about the same for 50 leads as for 500, so waiting a little pays. Each caller's promise settles only after its
 * batch has been flushed, so a job completes only once its writes are committed.
 */
export class TimedBatcher<Item, Result> {
  readonly #options: TimedBatcherOptions<Item, Result>;
  #waiting: Waiting<Item, Result>[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The first waiting item has waited maxWaitMs: flush as soon as a flush slot is free. */
  #due = false;
  /** Batches not settled yet; a batch may have released its slot already. */
  readonly #flushing = new Set<Promise<void>>();
  #slotsInUse = 0;
  #closed = false;

  constructor(options: TimedBatcherOptions<Item, Result>) {
    if (options.maxBatchSize < 1 || options.maxConcurrentFlushes < 1) throw new Error('batch size and concurrency must be positive');
    this.#options = options;
  }

  /** Items waiting for a batch to be flushed. */
  get waitingCount(): number {
    return this.#waiting.length;
  }

  add(item: Item): Promise<Result> {
    if (this.#closed) return Promise.reject(new Error('the batcher is closed'));
    return new Promise<Result>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#waiting.length === 1 && !this.#due) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#due = true;
          this.#pump();
        }, this.#options.maxWaitMs);
      }
      this.#pump();
    });
  }

  /** Flushes what is waiting now and resolves once every batch has settled; later adds are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#due = true;
    this.#pump();
    while (this.#flushing.size > 0) {
      await Promise.allSettled([...this.#flushing]);
      this.#pump();
    }
  }

  #pump(): void {
    while (
      this.#waiting.length > 0 &&
      this.#slotsInUse < this.#options.maxConcurrentFlushes &&
      (this.#due || this.#waiting.length >= this.#options.maxBatchSize)
    ) {
      const batch = this.#waiting.splice(0, this.#options.maxBatchSize);
      if (this.#waiting.length === 0) {
        this.#due = this.#closed;
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      this.#slotsInUse += 1;
      let released = false;
      const releaseSlot = () => {
        if (released) return;
        released = true;
        this.#slotsInUse -= 1;
        this.#pump();
      };
      const flushing = this.#flush(batch, releaseSlot);
      this.#flushing.add(flushing);
      void flushing.finally(() => {
        this.#flushing.delete(flushing);
        releaseSlot();
      });
    }
  }

  async #flush(batch: Waiting<Item, Result>[], releaseSlot: () => void): Promise<void> {
    try {
      const settled = await this.#options.flush(
        batch.map((waiting) => waiting.item),
        releaseSlot,
      );
      batch.forEach((waiting, index) => {
        const outcome = settled[index];
        if (!outcome) waiting.reject(new Error('the batch returned no result for this item'));
        else if (outcome.status === 'fulfilled') waiting.resolve(outcome.value);
        else waiting.reject(outcome.reason);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
