import { createHmac } from 'node:crypto';
import type { NormalizedLead } from './normalized-lead.ts';

/**
 * The keyed hashes that keep an erased or do-not-contact person out: HMAC-SHA256, with the
 * server's SUPPRESSION_HASH_KEY, of the normalized email and of the E.164 phone, each tagged with
 * its kind. Keyed, so a copy of the list (a backup, a Redis dump) tells nobody who is on it, and
 * a guessed address cannot be checked against it without the key.
 */
export function suppressionHashes(person: Pick<NormalizedLead, 'email' | 'phone'>, hashKey: string): string[] {
  const hashes: string[] = [];
  if (person.email) hashes.push(suppressionHash('email', person.email, hashKey));
  if (person.phone) hashes.push(suppressionHash('phone', person.phone, hashKey));
  return hashes;
}

/** One normalized email or E.164 phone's hash (see suppressionHashes). */
export function suppressionHash(kind: 'email' | 'phone', normalized: string, hashKey: string): string {
  return `${kind}:${createHmac('sha256', hashKey).update(normalized).digest('base64url')}`;
}

/**
 * The Redis set of every suppression hash, intake's synchronous check; PostgreSQL's
 * `suppressions` table is the truth it is kept in step with (the admin adds and lifts, the worker
 * reloads it when Redis has lost it). `queuePrefix` is QUEUE_PREFIX.
 */
export function suppressionSetRedisKey(queuePrefix: string): string {
  return `${queuePrefix}:suppressions`;
}
