import { ChildScript } from './child-script.ts';

export interface UndiciPostLimitOptions {
  /** The receiver the dispatcher delivers to in the same run. */
  receiverUrl: string;
  durationSeconds: number;
  /** Requests in flight, like the dispatcher's DISPATCHER_CONCURRENCY. */
  inFlight: number;
}

export interface UndiciPostLimit {
  postsPerSecond: number;
  failedCount: number;
  /** CPU the posting process used per answered POST, in ms. */
  cpuMsPerPost: number;
}

/** Raw undici POSTs/s to the bench's receiver, from a process of their own. */
export async function measureUndiciPostLimit(options: UndiciPostLimitOptions): Promise<UndiciPostLimit> {
  const load = ChildScript.start('undici-post-load.ts', [
    options.receiverUrl,
    String(options.durationSeconds * 1000),
    String(options.inFlight),
  ]);
  try {
    // Start-up of tsx plus the run itself, with room for a machine busy with other work.
    const answer = await load.nextMessage<{ requestCount: number; failedCount: number; elapsedMs: number; cpuMs: number }>(
      options.durationSeconds * 1000 + 60_000,
    );
    return {
      postsPerSecond: answer.requestCount / (answer.elapsedMs / 1000),
      failedCount: answer.failedCount,
      cpuMsPerPost: answer.requestCount > 0 ? answer.cpuMs / answer.requestCount : Number.NaN,
    };
  } finally {
    await load.stop();
  }
}
