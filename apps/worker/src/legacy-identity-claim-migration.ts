import type { RedisConnection } from '@leadrelay/queue';
import type { IdentityClaimLayout } from '@leadrelay/lead';

export interface LegacyIdentityClaimMigrationOptions {
  redis: RedisConnection;
  /** QUEUE_PREFIX of the deployment. */
  keyPrefix: string;
  /** The layout the claims move into (IDENTITY_BUCKET_BITS of the upgraded apps). */
  layout: IdentityClaimLayout;
  /** Keys asked for per SCAN step and moved per round trip. */
  pageSize?: number;
}

export interface LegacyIdentityClaimMigrationResult {
  /** Old keys found and deleted, their claim now in a bucket. */
  moved: number;
  /** Old keys whose identity had a bucket claim already (made since by the new intake): deleted, the bucket's kept. */
  alreadyClaimed: number;
  /** Old keys that changed while being moved: left for the next run. */
  changed: number;
}

// Deletes an old claim key only if it still holds what was copied; one key, so cluster-safe.
const deleteIfUnchangedScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * Moves claims of the key-per-identity layout (before issue 12: `<prefix>:identity:email:<sha256
 * base64url>` holding `<lead id>/<creator partner id>` or the lead id alone) into the hash buckets
 * of IdentityClaimLayout, and deletes the old keys. A bucket claim that exists already (the
 * upgraded intake claimed the person meanwhile) is kept, as the worker's restore keeps one. It
 * walks the keys with SCAN and deletes each key it moved, so a run that stops can be started
 * again and finds only what is left; a run ends when SCAN has seen every key once.
 */
export class LegacyIdentityClaimMigration {
  readonly #redis: RedisConnection;
  readonly #keyPrefix: string;
  readonly #layout: IdentityClaimLayout;
  readonly #pageSize: number;

  constructor({ redis, keyPrefix, layout, pageSize = 1_000 }: LegacyIdentityClaimMigrationOptions) {
    this.#redis = redis;
    this.#keyPrefix = `${keyPrefix}:identity:`;
    this.#layout = layout;
    this.#pageSize = pageSize;
  }

  async run(onProgress: (result: LegacyIdentityClaimMigrationResult) => void = () => {}): Promise<LegacyIdentityClaimMigrationResult> {
    const result: LegacyIdentityClaimMigrationResult = { moved: 0, alreadyClaimed: 0, changed: 0 };
    for (const kind of ['email', 'phone']) {
      let cursor = '0';
      do {
        const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${this.#keyPrefix}${kind}:*`, 'COUNT', this.#pageSize);
        cursor = next;
        if (keys.length > 0) await this.#move(keys, result);
        onProgress(result);
      } while (cursor !== '0');
    }
    return result;
  }

  async #move(keys: string[], result: LegacyIdentityClaimMigrationResult): Promise<void> {
    const values = await this.#redis.mget(...keys);
    const copy = this.#redis.pipeline();
    const copied: { key: string; value: string }[] = [];
    keys.forEach((key, index) => {
      const value = values[index];
      if (value === null || value === undefined) return; // Released or deleted since SCAN saw it.
      const slash = value.indexOf('/');
      const owner = slash < 0 ? this.#layout.encodeOwner(value, null) : this.#layout.encodeOwner(value.slice(0, slash), value.slice(slash + 1));
      const slot = this.#layout.slotOf(key.slice(this.#keyPrefix.length));
      copy.hsetnx(slot.key, slot.field, owner);
      copied.push({ key, value });
    });
    const copies = await execOrThrow(copy);
    const remove = this.#redis.pipeline();
    for (const { key, value } of copied) remove.eval(deleteIfUnchangedScript, 1, key, value);
    const removals = await execOrThrow(remove);
    copied.forEach((_, index) => {
      if (removals[index] !== 1) result.changed += 1;
      else if (copies[index] === 1) result.moved += 1;
      else result.alreadyClaimed += 1;
    });
  }
}

async function execOrThrow(pipeline: ReturnType<RedisConnection['pipeline']>): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
