import type { RedisConnection } from '@leadrelay/queue';
import { suppressionHashes, suppressionSetRedisKey, type NormalizedLead } from '@leadrelay/lead';

/**
 * Intake's check of the suppression list, on the Redis copy the admin and the worker keep in step
 * with PostgreSQL (see suppressionSetRedisKey): one round trip for every lead of a group commit.
 */
export class SuppressionList {
  readonly #redis: RedisConnection;
  readonly #setKey: string;
  readonly #hashKey: string;

  constructor(redis: RedisConnection, queuePrefix: string, hashKey: string) {
    this.#redis = redis;
    this.#setKey = suppressionSetRedisKey(queuePrefix);
    this.#hashKey = hashKey;
  }

  /** For each lead, whether its email or phone is suppressed. */
  async suppressed(leads: readonly Pick<NormalizedLead, 'email' | 'phone'>[]): Promise<boolean[]> {
    const hashes = leads.map((lead) => suppressionHashes(lead, this.#hashKey));
    const all = hashes.flat();
    if (all.length === 0) return leads.map(() => false);
    const members = await this.#redis.smismember(this.#setKey, ...all);
    let next = 0;
    return hashes.map((ofLead) => {
      const found = members.slice(next, next + ofLead.length).some((member) => member === 1);
      next += ofLead.length;
      return found;
    });
  }
}
