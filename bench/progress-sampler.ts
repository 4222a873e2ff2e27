import pg from 'pg';
import type { ArrivalReceiver } from './arrival-receiver.ts';

export interface ProgressSample {
  /** `performance.now()` when the sample was taken. */
  atMs: number;
  /** Rows in `leads`: leads the worker has committed. */
  persistedLeads: number;
  /** Requests the receiver has answered: deliveries the dispatcher has made. */
  deliveries: number;
}

export interface ProgressSamplerOptions {
  databaseUrl: string;
  receiver: ArrivalReceiver;
  /**
   * Time between samples. Each one is a `count(*)` over a growing table, which costs
   * PostgreSQL CPU the worker would otherwise have: half a second keeps that small.
   */
  intervalMs: number;
}

/** Safety bound on the samples one run keeps (hours at the default interval). */
const maxSamples = 20_000;

/** Counts persisted leads and deliveries at a fixed interval while the pipeline runs. */
export class ProgressSampler {
  readonly samples: ProgressSample[] = [];
  readonly #options: ProgressSamplerOptions;
  readonly #sql: pg.Client;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: ProgressSamplerOptions) {
    this.#options = options;
    this.#sql = new pg.Client({ connectionString: options.databaseUrl, application_name: 'leadrelay-bench-sampler' });
  }

  async start(): Promise<void> {
    await this.#sql.connect();
    this.#running = true;
    await this.sampleNow();
    this.#schedule();
  }

  /** Takes a sample at once (besides the periodic ones), e.g. at a phase boundary. */
  async sampleNow(): Promise<ProgressSample> {
    const result = await this.#sql.query<{ count: string }>('SELECT count(*) FROM leads');
    const sample = {
      atMs: performance.now(),
      persistedLeads: Number(result.rows[0]!.count),
      deliveries: this.#options.receiver.requestCount,
    };
    if (this.samples.length < maxSamples) this.samples.push(sample);
    return sample;
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#sql.end();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      if (!this.#running) return;
      this.sampleNow().then(
        () => this.#running && this.#schedule(),
        (error: unknown) => {
          // A failed count must not end the bench; the next one usually works.
          process.stderr.write(`progress sample failed: ${String(error)}\n`);
          if (this.#running) this.#schedule();
        },
      );
    }, this.#options.intervalMs);
  }
}
