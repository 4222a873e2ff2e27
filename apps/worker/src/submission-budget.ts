export interface SubmissionBudgetOptions {
  /**
   * Submissions the worker should hold at once: in jobs it has taken, waiting for their batch or
   * in one. Enough to fill every lane's batch being written, the ones being published and the
   * next ones collecting; more only sits in memory.
   */
  maxSubmissions: number;
  /** Jobs held at once, whatever their size: the limit for one-submission jobs. */
  maxJobs: number;
  /** The most submissions a job may carry: until jobs have been seen, each is taken to be this large. */
  largestJob: number;
}

/**
 * How many jobs the leads worker takes at once, so that what it holds stays near a number of
 * submissions rather than of jobs. A job carries one submission or hundreds (intake groups the
 * requests it answers together; a batch request is one job), and BullMQ counts jobs: a fixed
 * concurrency high enough for one-submission jobs held ~40,000 submissions when jobs carried 20,
 * and the garbage collector's work on them cost more CPU than writing them (bench/worker-persist:
 * 8,200 leads/s with 2,000 jobs, 9,700-10,100 with 150).
 *
 * Job sizes are only known once taken, so the concurrency follows their moving average. It
 * starts as if every job were as large as a job may be, and starts so again whenever the queue
 * has run dry (`reset`): BullMQ takes as many jobs as it may in one go before processing any, so a
 * concurrency raised by small jobs would take that many of whatever arrives next, large ones too.
 * It rises within a few dozen jobs when they are small. While jobs keep coming, a sudden run of
 * large ones overshoots the budget for a few jobs: each finished job lets one more in.
 */
export class SubmissionBudget {
  readonly #options: SubmissionBudgetOptions;
  #averageSubmissionsPerJob: number;

  constructor(options: SubmissionBudgetOptions) {
    if (options.maxSubmissions < 1 || options.maxJobs < 1 || options.largestJob < 1) throw new Error('the submission budget and the job limits must be positive');
    this.#options = options;
    this.#averageSubmissionsPerJob = options.largestJob;
  }

  /** The job concurrency to use now. */
  get jobConcurrency(): number {
    return this.#concurrencyFor(this.#averageSubmissionsPerJob);
  }

  /** The queue has run dry: the jobs that come next may be of any size. */
  reset(): number {
    this.#averageSubmissionsPerJob = this.#options.largestJob;
    return this.jobConcurrency;
  }

  /** Takes a job's size into account; returns the job concurrency to use from now on. */
  recordJob(submissions: number): number {
    // Weight 1/8: follows a change in job sizes within a few dozen jobs.
    const size = Math.min(this.#options.largestJob, Math.max(1, submissions));
    this.#averageSubmissionsPerJob += (size - this.#averageSubmissionsPerJob) / 8;
    return this.jobConcurrency;
  }

  #concurrencyFor(submissionsPerJob: number): number {
    return Math.max(1, Math.min(this.#options.maxJobs, Math.round(this.#options.maxSubmissions / submissionsPerJob)));
  }
}
