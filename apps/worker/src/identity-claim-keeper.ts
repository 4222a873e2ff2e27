import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DatabaseClient } from '@leadrelay/db';
import { identityClaimRedisKey, identityClaimValue, identityKeys } from '@leadrelay/lead';
import type { ClaimRepair } from './lead-batch-plan.ts';

export interface IdentityClaimKeeperOptions {
  redis: Redis;
  db: DatabaseClient;
  /** QUEUE_PREFIX: intake's claims live under it (see identityClaimRedisKey). */
  keyPrefix: string;
  /** Leads read and claims written per round trip while restoring. */
  pageSize?: number;
  /** A restore that stops renewing this lease (its worker died) is taken over by another worker. */
  restoreLeaseMs?: number;
}

// Points a claim at the lead an alias was merged into, unless intake has since given the key
// to a different lead. KEYS: claim keys; ARGV: lead id, alias id for each key. A claim's value is
// the lead id, or `<lead id>/<creator partner>` (identityClaimValue); the repaired one names the
// lead alone, since the alias's creator need not be the lead's.
const repairScript = `
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  local alias = ARGV[i * 2]
  if not current or current == alias or string.sub(current, 1, #alias + 1) == alias .. '/' then
    redis.call('SET', KEYS[i], ARGV[i * 2 - 1])
  end
end
return #KEYS
`;

// Marks the restore complete only if the marker is still this restore's: if Redis lost it
// meanwhile, it lost claims written before too, and the restore must run again.
const finishScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], 'complete')
  return 1
end
return 0
`;

/**
 * Keeps intake's duplicate decision true to PostgreSQL. Intake claims identity keys in Redis
 * (apps/intake/src/services/identity-claims.ts; identityClaimRedisKey holds the lead id);
 * Redis may lose them (a restart without persistence). Then every known person would look new
 * until claimed again, so the worker puts back a claim for every stored lead, with SET NX so a
 * claim intake made meanwhile wins. A marker key tells whether Redis still holds the restored
 * claims: it is missing after Redis lost its data.
 */
export class IdentityClaimKeeper {
  readonly #redis: Redis;
  readonly #db: DatabaseClient;
  readonly #keyPrefix: string;
  readonly #pageSize: number;
  readonly #restoreLeaseMs: number;
  #restoring: Promise<number | undefined> | undefined;

  constructor({ redis, db, keyPrefix, pageSize = 2_000, restoreLeaseMs = 60_000 }: IdentityClaimKeeperOptions) {
    this.#redis = redis;
    this.#db = db;
    this.#keyPrefix = keyPrefix;
    this.#pageSize = pageSize;
    this.#restoreLeaseMs = restoreLeaseMs;
  }

  get markerKey(): string {
    return `${this.#keyPrefix}:identity-claims:restored`;
  }

  /** Claims that point at merged alias ids now point at the lead itself. */
  async repair(repairs: readonly ClaimRepair[]): Promise<void> {
    const keys: string[] = [];
    const args: string[] = [];
    for (const repair of repairs) {
      for (const key of repair.identityKeys) {
        keys.push(this.#claimKey(key));
        args.push(repair.leadId, repair.aliasId);
      }
    }
    if (keys.length > 0) await this.#redis.eval(repairScript, keys.length, ...keys, ...args);
  }

  /**
   * Restores every stored lead's claims when Redis has lost them (no marker); one worker does
   * it at a time. Returns how many claims it put back, or undefined when nothing had to be done.
   */
  restoreIfLost(): Promise<number | undefined> {
    this.#restoring ??= this.#restoreIfLost().finally(() => {
      this.#restoring = undefined;
    });
    return this.#restoring;
  }

  async #restoreIfLost(): Promise<number | undefined> {
    const lease = `restoring:${randomUUID()}`;
    const acquired = await this.#redis.set(this.markerKey, lease, 'PX', this.#restoreLeaseMs, 'NX');
    if (acquired !== 'OK') return undefined;
    let restored = 0;
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const leads = await this.#db.$queryRaw<{ id: string; partnerId: string; email: string | null; phone: string | null }[]>`
        SELECT id, partner_id AS "partnerId", email, phone FROM leads WHERE id > ${afterId}::uuid AND (email IS NOT NULL OR phone IS NOT NULL)
        ORDER BY id LIMIT ${this.#pageSize}`;
      if (leads.length === 0) break;
      const pipeline = this.#redis.pipeline();
      for (const lead of leads) {
        for (const key of identityKeys({ email: lead.email ?? undefined, phone: lead.phone ?? undefined })) {
          pipeline.set(this.#claimKey(key), identityClaimValue(lead.id, lead.partnerId), 'NX');
        }
      }
      pipeline.pexpire(this.markerKey, this.#restoreLeaseMs);
      for (const [error, reply] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        if (reply === 'OK') restored += 1;
      }
      afterId = leads.at(-1)!.id;
    }
    const finished = await this.#redis.eval(finishScript, 1, this.markerKey, lease);
    // Not finished: Redis lost the marker during the restore; the next check starts over.
    return finished === 1 ? restored : undefined;
  }

  #claimKey(identityKey: string): string {
    return identityClaimRedisKey(this.#keyPrefix, identityKey);
  }
}
