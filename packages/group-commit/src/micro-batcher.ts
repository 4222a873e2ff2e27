export interface MicroBatcherOptions<Input, Output> {
  /** Runs one batch; resolves to one output per input, in the same order. */
  run: (inputs: Input[]) => Promise<Output[]>;
  /** Weight of the inputs in one batch at most (an input heavier than this runs alone). */
  maxBatchWeight: number;
  /** Batches running at once at most; further calls wait and are gathered into the next one. */
  maxConcurrentBatches: number;
  /** What an input counts for against `maxBatchWeight`, e.g. the leads of a request; 1 by default. */
  weightOf?: (input: Input) => number;
}

interface Waiter<Input, Output> {
  input: Input;
  weight: number;
  resolve: (output: Output) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers calls into batches, like a database's group commit: a call made while the allowed
 * batches are running waits for one to finish and goes out with every other call made meanwhile.
 * Under light load a call runs at once, alone; under heavy load one SQL statement or one Redis
 * round trip serves dozens of calls instead of one each. An input is never split across batches.
 * A failed batch fails every call in it; each caller handles that as it would its own failure.
 */
export class MicroBatcher<Input, Output> {
  readonly #options: MicroBatcherOptions<Input, Output>;
  readonly #waiting: Waiter<Input, Output>[] = [];
  #running = 0;
  #flushScheduled = false;

  constructor(options: MicroBatcherOptions<Input, Output>) {
    if (options.maxBatchWeight < 1 || options.maxConcurrentBatches < 1) throw new Error('batch weight and concurrency must be positive');
    this.#options = options;
  }

  /** Calls waiting for a batch (not those in a running batch). */
  get waitingCount(): number {
    return this.#waiting.length;
  }

  submit(input: Input): Promise<Output> {
    const weight = this.#options.weightOf?.(input) ?? 1;
    return new Promise<Output>((resolve, reject) => {
      this.#waiting.push({ input, weight, resolve, reject });
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

  #flush(): void {
    while (this.#waiting.length > 0 && this.#running < this.#options.maxConcurrentBatches) {
      const batch = this.#takeBatch();
      this.#running += 1;
      this.#options
        .run(batch.map((waiter) => waiter.input))
        .then(
          (outputs) => {
            if (outputs.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${outputs.length} outputs`);
            batch.forEach((waiter, index) => waiter.resolve(outputs[index]!));
          },
        )
        .catch((error: unknown) => batch.forEach((waiter) => waiter.reject(error)))
        .finally(() => {
          this.#running -= 1;
          this.#flush();
        });
    }
  }

  /** The longest run of waiting calls, in order, whose weights fit (at least one call). */
  #takeBatch(): Waiter<Input, Output>[] {
    let weight = this.#waiting[0]!.weight;
    let count = 1;
    while (count < this.#waiting.length && weight + this.#waiting[count]!.weight <= this.#options.maxBatchWeight) {
      weight += this.#waiting[count]!.weight;
      count += 1;
    }
    return this.#waiting.splice(0, count);
  }
}
