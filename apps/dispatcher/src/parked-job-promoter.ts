import type { Queue } from 'bullmq';
import type { Logger } from '@leadrelay/observability';

export interface ParkedJobPromoterOptions {
  /** The deliveries queue, where parked jobs wait in the delayed set. */
  queue: Queue;
  logger: Logger;
}

/** Moves delivery jobs parked for a destination slot back to waiting once DestinationSlots hands them a slot. */
export class ParkedJobPromoter {
  readonly #queue: Queue;
  readonly #logger: Logger;

  constructor({ queue, logger }: ParkedJobPromoterOptions) {
    this.#queue = queue;
    this.#logger = logger;
  }

  async promote(jobIds: string[]): Promise<void> {
    for (const jobId of jobIds) {
      const job = await this.#queue.getJob(jobId);
      try {
        await job?.promote();
      } catch (error) {
        // A parked job that already left the delayed set (its safety delay ran out, or it was
        // removed) needs no promotion.
        if ((error as { code?: unknown }).code !== -3) throw error;
        this.#logger.debug({ jobId }, 'parked job was no longer delayed');
      }
    }
  }
}
