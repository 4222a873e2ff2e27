import type { RedisConnection } from '@leadrelay/queue';
import type { DatabaseClient } from '@leadrelay/db';
import { suppressionSetRedisKey } from '@leadrelay/lead';

export interface SuppressionListKeeperOptions {
  redis: RedisConnection;
  db: DatabaseClient;
  /** QUEUE_PREFIX: intake reads the copy under it (suppressionSetRedisKey). */
  keyPrefix: string;
  /** Hashes read and added per round trip while reloading. */
  pageSize?: number;
}

/**
 * Keeps intake's Redis copy of the suppression list (PostgreSQL's `suppressions` is the truth):
 * adds what erasures record, and reloads the whole list when Redis has lost it (a restart without
 * persistence), which a marker key tells. Until then intake lets a suppressed person through and
 * the worker refuses them from PostgreSQL: nothing of them is stored either way.
 */
export class SuppressionListKeeper {
  readonly #options: SuppressionListKeeperOptions;
  readonly #pageSize: number;

  constructor(options: SuppressionListKeeperOptions) {
    this.#options = options;
    this.#pageSize = options.pageSize ?? 5_000;
  }

  get #setKey(): string {
    return suppressionSetRedisKey(this.#options.keyPrefix);
  }

  get #markerKey(): string {
    return `${this.#setKey}:loaded`;
  }

  async publish(hashes: readonly string[]): Promise<void> {
    if (hashes.length > 0) await this.#options.redis.sadd(this.#setKey, ...hashes);
  }

  /** Reloads the copy if Redis lost it; returns how many hashes it added, or undefined when it had not been lost. */
  async restoreIfLost(): Promise<number | undefined> {
    if ((await this.#options.redis.exists(this.#markerKey)) === 1) return undefined;
    let added = 0;
    let after = '';
    for (;;) {
      const rows = await this.#options.db.$queryRaw<{ hash: string }[]>`
        SELECT hash FROM suppressions WHERE hash > ${after} ORDER BY hash LIMIT ${this.#pageSize}`;
      if (rows.length === 0) break;
      added += await this.#options.redis.sadd(this.#setKey, ...rows.map((row) => row.hash));
      after = rows.at(-1)!.hash;
    }
    await this.#options.redis.set(this.#markerKey, new Date().toISOString());
    return added;
  }
}
