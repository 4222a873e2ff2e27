import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RedisConnection } from '@leadrelay/queue';
import type { SecretBox } from '@leadrelay/credentials';

/** A session ends after this long without a request. */
export const portalSessionIdleMs = 8 * 3_600_000;
/** And this long after sign-in, however busy: the key is asked for again at least daily. */
export const portalSessionMaxAgeMs = 24 * 3_600_000;
/** A message for the next page (POST-redirect-GET) is dropped if that page is not opened within this time. */
export const portalFlashTtlMs = 10 * 60_000;

/** What the portal keeps of a session in Redis, under the SHA-256 of its token (never the token). */
export interface PortalSession {
  subscriberId: string;
  /** The key signed in with: a rotated key no longer matches the subscriber's hash, which ends the session. */
  apiKeyHash: string;
  /** Put in every form and checked on every POST. */
  csrfToken: string;
  createdAtMs: number;
}

/**
 * What a page tells the next one after a POST: an outcome, and for a secret (shown once) the
 * secret. Kept encrypted with the SecretBox, for minutes, and read once.
 */
export interface PortalFlash {
  kind: 'notice' | 'error';
  message: string;
  /** Details shown under the message (a receiver's answer, warnings). */
  details?: string[];
  /** Text shown as it is, e.g. the start of a receiver's answer. */
  preformatted?: string;
  /** What a refused form held, to fill it in again (never a secret or a key). */
  formValues?: Record<string, string | string[]>;
  /** A destination secret shown once, after registration or rotation. */
  secret?: string;
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A CSRF token from a form matches the session's, compared in constant time. */
export function csrfTokenMatches(session: PortalSession, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Portal sessions in Redis: the cookie holds 32 random bytes, Redis the session under their
 * SHA-256 (so a read of Redis gives no usable cookie), with an idle TTL renewed on each use.
 */
export class PortalSessionStore {
  readonly #redis: RedisConnection;
  readonly #keyPrefix: string;
  readonly #secretBox: SecretBox;

  constructor({ redis, queuePrefix, secretBox }: { redis: RedisConnection; queuePrefix: string; secretBox: SecretBox }) {
    this.#redis = redis;
    this.#keyPrefix = `${queuePrefix}:portal-session:`;
    this.#secretBox = secretBox;
  }

  /** A new session; the token returned goes in the cookie and is kept nowhere else. */
  async create(subscriberId: string, apiKeyHash: string): Promise<{ token: string; session: PortalSession }> {
    const token = randomBytes(32).toString('base64url');
    const session: PortalSession = { subscriberId, apiKeyHash, csrfToken: randomBytes(32).toString('base64url'), createdAtMs: Date.now() };
    await this.#redis.set(this.#sessionKey(token), JSON.stringify(session), 'PX', portalSessionIdleMs);
    return { token, session };
  }

  /** The session of a cookie's token, its idle time renewed; undefined when there is none or it is too old. */
  async read(token: string): Promise<PortalSession | undefined> {
    const key = this.#sessionKey(token);
    const stored = await this.#redis.get(key);
    if (!stored) return undefined;
    const session = JSON.parse(stored) as PortalSession;
    if (Date.now() - session.createdAtMs > portalSessionMaxAgeMs) {
      await this.destroy(token);
      return undefined;
    }
    await this.#redis.pexpire(key, portalSessionIdleMs);
    return session;
  }

  async destroy(token: string): Promise<void> {
    // One key per call: on a Redis Cluster the two live in different slots.
    await Promise.all([this.#redis.del(this.#sessionKey(token)), this.#redis.del(this.#flashKey(token))]);
  }

  /** Keeps a message for the session's next page. */
  async setFlash(token: string, flash: PortalFlash): Promise<void> {
    await this.#redis.set(this.#flashKey(token), this.#secretBox.encrypt(JSON.stringify(flash)), 'PX', portalFlashTtlMs);
  }

  /** The message kept for this page, removed as it is read. */
  async takeFlash(token: string): Promise<PortalFlash | undefined> {
    const stored = await this.#redis.getdel(this.#flashKey(token));
    return stored ? (JSON.parse(this.#secretBox.decrypt(stored)) as PortalFlash) : undefined;
  }

  #sessionKey(token: string): string {
    return this.#keyPrefix + tokenHash(token);
  }

  #flashKey(token: string): string {
    return `${this.#keyPrefix}${tokenHash(token)}:flash`;
  }
}
