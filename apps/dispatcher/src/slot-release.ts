/**
 * Gives a destination slot back exactly once: as soon as the receiver has answered (the slot
 * bounds requests in flight to the receiver, and recording the attempt in PostgreSQL needs none),
 * or at the end at the latest, whatever happened.
 */
export class SlotRelease {
  readonly #release: () => Promise<void>;
  #releasing: Promise<void> | undefined;

  constructor(release: () => Promise<void>) {
    this.#release = release;
  }

  /** Starts giving the slot back, once. A failure is reported by `settled`, not here. */
  start(): void {
    if (this.#releasing) return;
    this.#releasing = this.#release();
    // Observed here so that a failure before `settled` is awaited is not an unhandled rejection;
    // `settled` still throws it.
    this.#releasing.catch(() => undefined);
  }

  /** Gives the slot back if that has not started, and waits for it; throws what it failed with. */
  async settled(): Promise<void> {
    this.start();
    await this.#releasing;
  }
}
