export interface CheckResult {
  ok: boolean;
  detail?: string;
}

/** A named dependency check: resolves when healthy, throws with a reason otherwise. */
export type ReadinessCheck = () => Promise<void>;

/** Runs every check at once, each bounded by `timeoutMs`, for `/readyz`. */
export class Readiness {
  constructor(
    private readonly checks: Record<string, ReadinessCheck>,
    private readonly timeoutMs = 1_000,
  ) {}

  async check(): Promise<Record<string, CheckResult>> {
    const entries = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => [name, await this.#run(check)] as const),
    );
    return Object.fromEntries(entries);
  }

  async #run(check: ReadinessCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([check(), timeout]);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message.split('\n')[0] : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
