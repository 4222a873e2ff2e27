import type { RedisConnection } from '@leadrelay/queue';
import { recordSuppressions, type DatabaseClient } from '@leadrelay/db';
import { AppError, type ErrorDetail } from '@leadrelay/http-kit';
import { suppressionHash, suppressionHashes, suppressionSetRedisKey } from '@leadrelay/lead';
import { findPartner, normalizePerson, resolvePersonIdentifiers, type PersonQuery } from './person-identifiers.ts';

export interface SuppressionRegistryOptions {
  db: DatabaseClient;
  redis: RedisConnection;
  /** SUPPRESSION_HASH_KEY: the same as intake's and the worker's. */
  hashKey: string;
  /** QUEUE_PREFIX: where intake reads the Redis copy. */
  queuePrefix: string;
  log: { warn(object: unknown, message: string): void };
}

export interface SuppressionImport {
  emails?: string[] | undefined;
  phones?: string[] | undefined;
  /** Partner slug whose defaultCountry reads national phone numbers; else US. */
  partner?: string | undefined;
}

/**
 * The suppression list as the admin API changes it: PostgreSQL first (the truth, read by the
 * worker before it persists), then the Redis copy intake checks. If Redis refuses the copy, the
 * change still holds (the worker refuses the person's submissions from PostgreSQL) and the worker
 * reloads the copy; the failure is logged.
 */
export class SuppressionRegistry {
  readonly #options: SuppressionRegistryOptions;

  constructor(options: SuppressionRegistryOptions) {
    this.#options = options;
  }

  /** The hashes of a person's normalized email and phone. */
  hashesOf(person: { email: string | null; phone: string | null }): string[] {
    return suppressionHashes({ email: person.email ?? undefined, phone: person.phone ?? undefined }, this.#options.hashKey);
  }

  /** Adds hashes recorded in PostgreSQL to intake's Redis copy. */
  async #publish(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    try {
      await this.#options.redis.sadd(suppressionSetRedisKey(this.#options.queuePrefix), ...hashes);
    } catch (error) {
      this.#options.log.warn({ err: error, hashes: hashes.length }, "suppressions recorded, but not yet in intake's Redis copy; the worker still refuses them");
    }
  }

  /** Whether the email, the phone, or either is suppressed. */
  async check(query: PersonQuery): Promise<{ suppressed: boolean; email: boolean | null; phone: boolean | null }> {
    const person = await resolvePersonIdentifiers(this.#options.db, query, 'querystring');
    if (person.email === null && person.phone === null) {
      throw new AppError('validation_failed', 'name an email or a phone', [{ path: 'querystring', message: 'needs email or phone' }]);
    }
    const emailHash = person.email === null ? null : suppressionHash('email', person.email, this.#options.hashKey);
    const phoneHash = person.phone === null ? null : suppressionHash('phone', person.phone, this.#options.hashKey);
    const found = new Set(
      (await this.#options.db.suppression.findMany({ where: { hash: { in: [emailHash, phoneHash].filter((hash) => hash !== null) } }, select: { hash: true } })).map(
        (row) => row.hash,
      ),
    );
    const email = emailHash === null ? null : found.has(emailHash);
    const phone = phoneHash === null ? null : found.has(phoneHash);
    return { suppressed: email === true || phone === true, email, phone };
  }

  /** Imports a do-not-contact list: all of it, or (one entry unreadable) none of it. */
  async import(list: SuppressionImport): Promise<{ added: number; alreadySuppressed: number }> {
    const partner = list.partner === undefined ? null : await findPartner(this.#options.db, list.partner);
    const hashes: string[] = [];
    const invalid: ErrorDetail[] = [];
    const entries = [...(list.emails ?? []).map((email) => ({ email })), ...(list.phones ?? []).map((phone) => ({ phone }))];
    const emailCount = list.emails?.length ?? 0;
    entries.forEach((entry, position) => {
      const path = position < emailCount ? `body.emails.${position}` : `body.phones.${position - emailCount}`;
      try {
        hashes.push(...this.hashesOf(normalizePerson(entry, partner?.defaultCountry ?? null, () => path)));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        invalid.push(...(error.details ?? []));
      }
    });
    if (invalid.length > 0) throw new AppError('validation_failed', `${invalid.length} entries are not readable; nothing was imported`, invalid);
    if (hashes.length === 0) throw new AppError('validation_failed', 'the list is empty', [{ path: 'body', message: 'needs emails or phones' }]);
    const unique = [...new Set(hashes)];
    const added = await recordSuppressions(this.#options.db, unique, 'import');
    await this.#publish(unique);
    return { added, alreadySuppressed: unique.length - added };
  }

  /** Lifts the suppression of an email or phone (one of them): its submissions are stored again. */
  async lift(query: PersonQuery): Promise<{ lifted: number }> {
    const person = await resolvePersonIdentifiers(this.#options.db, query, 'body');
    const hashes = this.hashesOf(person);
    if (hashes.length === 0) throw new AppError('validation_failed', 'name an email or a phone', [{ path: 'body', message: 'needs email or phone' }]);
    const { count } = await this.#options.db.suppression.deleteMany({ where: { hash: { in: hashes } } });
    if (count === 0) throw new AppError('not_found', 'not suppressed');
    // Not best effort: a copy left in Redis would keep refusing the person at intake.
    await this.#options.redis.srem(suppressionSetRedisKey(this.#options.queuePrefix), ...hashes);
    return { lifted: count };
  }
}
