import { createHash } from 'node:crypto';
import type { RedisConnection } from '@leadrelay/queue';

/** A stored answer, replayed for a retry with the same key and body. */
export interface StoredAnswer {
  statusCode: number;
  body: unknown;
}

export type IdempotencyBegin =
  | { kind: 'new' }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'in_progress' }
  | { kind: 'body_mismatch' };

interface Record {
  bodyHash: string;
  answer?: StoredAnswer;
}

/**
 * `Idempotency-Key` records in Redis, per partner: the first request with a key reserves it,
 * its answer is stored, and a retry with the same body gets that answer back without enqueuing
 * anything; the same key with another body is refused.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keyPrefix: string,
    /** How long a key is remembered (24 h, like most payment APIs). */
    private readonly ttlMs = 24 * 3_600_000,
  ) {}

  static hashBody(body: unknown): string {
    return createHash('sha256').update(JSON.stringify(body ?? null)).digest('base64url');
  }

  async begin(partnerId: string, key: string, bodyHash: string): Promise<IdempotencyBegin> {
    const redisKey = this.#redisKey(partnerId, key);
    const reserved = await this.redis.set(redisKey, JSON.stringify({ bodyHash } satisfies Record), 'PX', this.ttlMs, 'NX');
    if (reserved === 'OK') return { kind: 'new' };
    const existing = await this.redis.get(redisKey);
    if (!existing) return this.begin(partnerId, key, bodyHash);
    const record = JSON.parse(existing) as Record;
    if (record.bodyHash !== bodyHash) return { kind: 'body_mismatch' };
    return record.answer ? { kind: 'replay', answer: record.answer } : { kind: 'in_progress' };
  }

  async complete(partnerId: string, key: string, bodyHash: string, answer: StoredAnswer): Promise<void> {
    await this.redis.set(this.#redisKey(partnerId, key), JSON.stringify({ bodyHash, answer } satisfies Record), 'PX', this.ttlMs);
  }

  /** Frees a key whose request failed before answering, so the partner can retry it. */
  async abandon(partnerId: string, key: string): Promise<void> {
    await this.redis.del(this.#redisKey(partnerId, key));
  }

  #redisKey(partnerId: string, key: string): string {
    return `${this.keyPrefix}:idempotency:${partnerId}:${createHash('sha256').update(key).digest('base64url')}`;
  }
}
