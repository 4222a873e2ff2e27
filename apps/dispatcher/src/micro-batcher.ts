export interface MicroBatcherOptions<Input, Output> {
  /** Runs one batch; resolves to one output per input, in the same order. */
  run: (inputs: Input[]) => Promise<Output[]>;
  /** Inputs in one batch at most. */
  maxBatchSize: number;
  /** Batches running at once at most; further calls wait and are gathered into the next one. */
  maxConcurrentBatches: number;
}

interface Waiter<Input, Output> {
  input: Input;
  resolve: (output: Output) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers calls into batches, like a database's group commit: a call made while the allowed
 * batches are running waits for one to finish and goes out with every other call made meanwhile.
 * Under light load a call runs at once, alone; under heavy load one SQL statement or one Redis
 * round trip serves dozens of deliveries instead of one each. A failed batch fails every call in
 * it; each caller handles that as it would its own failure.
 */
export class MicroBatcher<Input, Output> {
  readonly #options: MicroBatcherOptions<Input, Output>;
  readonly #waiting: Waiter<Input, Output>[] = [];
  #running = 0;
  #flushScheduled = false;

  constructor(options: MicroBatcherOptions<Input, Output>) {
    this.#options = options;
  }

  submit(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject });
      // Calls made in the same turn of the event loop go together even when nothing is running.
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flushScheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush() {
    while (this.#waiting.length > 0 && this.#running < this.#options.maxConcurrentBatches) {
      const batch = this.#waiting.splice(0, this.#options.maxBatchSize);
      this.#running += 1;
      this.#options
        .run(batch.map((waiter) => waiter.input))
        .then(
          (outputs) => batch.forEach((waiter, index) => waiter.resolve(outputs[index]!)),
          (error: unknown) => batch.forEach((waiter) => waiter.reject(error)),
        )
        .finally(() => {
          this.#running -= 1;
          this.#flush();
        });
    }
  }
}
