import { randomUUID } from 'node:crypto';
import { execPipelined, groupBySlot, type RedisConnection } from '@leadrelay/queue';
import type { DatabaseClient } from '@leadrelay/db';
import { identityKeys, type IdentityClaimLayout } from '@leadrelay/lead';
import type { ClaimRepair } from './lead-batch-plan.ts';

export interface IdentityClaimKeeperOptions {
  redis: RedisConnection;
  db: DatabaseClient;
  /** QUEUE_PREFIX: the restore marker lives under it. */
  keyPrefix: string;
  /** Where intake's claims live (the same IDENTITY_BUCKET_BITS as intake's). */
  layout: IdentityClaimLayout;
  /** Leads read and claims written per round trip while restoring. */
  pageSize?: number;
  /** A restore that stops renewing this lease (its worker died) is taken over by another worker. */
  restoreLeaseMs?: number;
}

// Points a claim at the lead an alias was merged into, unless intake has since given the
// identity to a different lead. KEYS: the claims' buckets; ARGV: field, lead id, alias id for
// each key (ids as 16 bytes). A claim's value starts with the lead id's 16 bytes, followed by the
// creator's when intake claimed it for a new lead (IdentityClaimLayout); the repaired one names
// the lead alone, since the alias's creator need not be the lead's.
const repairScript = `
for i = 1, #KEYS do
  local field = ARGV[i * 3 - 2]
  local current = redis.call('HGET', KEYS[i], field)
  if not current or string.sub(current, 1, 16) == ARGV[i * 3] then
    redis.call('HSET', KEYS[i], field, ARGV[i * 3 - 1])
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
 * (apps/intake/src/services/identity-claims.ts, laid out as IdentityClaimLayout says);
 * Redis may lose them (a restart without persistence). Then every known person would look new
 * until claimed again, so the worker puts back a claim for every stored lead, with HSETNX so a
 * claim intake made meanwhile wins. A marker key tells whether Redis still holds the restored
 * claims: it is missing after Redis lost its data.
 */
export class IdentityClaimKeeper {
  readonly #redis: RedisConnection;
  readonly #db: DatabaseClient;
  readonly #keyPrefix: string;
  readonly #layout: IdentityClaimLayout;
  readonly #pageSize: number;
  readonly #restoreLeaseMs: number;
  #restoring: Promise<number | undefined> | undefined;

  constructor({ redis, db, keyPrefix, layout, pageSize = 2_000, restoreLeaseMs = 60_000 }: IdentityClaimKeeperOptions) {
    this.#redis = redis;
    this.#db = db;
    this.#keyPrefix = keyPrefix;
    this.#layout = layout;
    this.#pageSize = pageSize;
    this.#restoreLeaseMs = restoreLeaseMs;
  }

  get markerKey(): string {
    // Per bucket count: a deployment that changes IDENTITY_BUCKET_BITS (or upgrades from the
    // key-per-identity claims) has no marker for the new layout, so the claims are restored into it.
    return `${this.#keyPrefix}:identity-claims:restored:${this.#layout.bucketBits}`;
  }

  /** Claims that point at merged alias ids now point at the lead itself. */
  async repair(repairs: readonly ClaimRepair[]): Promise<void> {
    const claims: { key: string; field: Buffer; leadId: Buffer; aliasId: Buffer }[] = [];
    for (const repair of repairs) {
      const leadId = this.#layout.encodeOwner(repair.leadId, null);
      const aliasId = this.#layout.encodeOwner(repair.aliasId, null);
      for (const identityKey of repair.identityKeys) claims.push({ ...this.#layout.slotOf(identityKey), leadId, aliasId });
    }
    // One call per slot on a cluster (a script may only touch one slot's keys), one in all otherwise.
    await Promise.all(
      groupBySlot(this.#redis, claims, (claim) => claim.key).map((group) =>
        this.#redis.eval(repairScript, group.length, ...group.map((claim) => claim.key), ...group.flatMap((claim) => [claim.field, claim.leadId, claim.aliasId])),
      ),
    );
  }

  /**
   * Removes the claims of erased leads, so intake no longer answers with their ids. Returns how
   * many claims were removed; a second run finds none.
   */
  async release(identityKeys: readonly string[]): Promise<number> {
    if (identityKeys.length === 0) return 0;
    const slots = identityKeys.map((identityKey) => this.#layout.slotOf(identityKey));
    let removed = 0;
    for (const [error, reply] of await execPipelined(this.#redis, slots.length, (index) => slots[index]!.key, (pipeline, index) => pipeline.hdel(slots[index]!.key, slots[index]!.field))) {
      if (error) throw error;
      removed += Number(reply);
    }
    return removed;
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
      const claims: { key: string; field: Buffer; owner: Buffer }[] = [];
      for (const lead of leads) {
        const owner = this.#layout.encodeOwner(lead.id, lead.partnerId);
        for (const identityKey of identityKeys({ email: lead.email ?? undefined, phone: lead.phone ?? undefined })) {
          claims.push({ ...this.#layout.slotOf(identityKey), owner });
        }
      }
      const replies = await execPipelined(
        this.#redis,
        claims.length + 1,
        (index) => claims[index]?.key ?? this.markerKey,
        (pipeline, index) => {
          const claim = claims[index];
          if (claim) pipeline.hsetnx(claim.key, claim.field, claim.owner);
          else pipeline.pexpire(this.markerKey, this.#restoreLeaseMs);
        },
      );
      for (const [error, reply] of replies) {
        if (error) throw error;
        if (reply === 1) restored += 1;
      }
      afterId = leads.at(-1)!.id;
    }
    const finished = await this.#redis.eval(finishScript, 1, this.markerKey, lease);
    // Not finished: Redis lost the marker during the restore; the next check starts over.
    return finished === 1 ? restored : undefined;
  }
}
