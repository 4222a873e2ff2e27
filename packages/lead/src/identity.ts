import { hash } from 'node:crypto';
import type { NormalizedLead } from './normalized-lead.ts';

/**
 * The keys that make two leads the same person: normalized email and E.164 phone. Hashed so
 * the Redis keys that claim them carry no personal data.
 */
export function identityKeys(lead: Pick<NormalizedLead, 'email' | 'phone'>): string[] {
  const keys: string[] = [];
  if (lead.email) keys.push(`email:${digest(lead.email)}`);
  if (lead.phone) keys.push(`phone:${digest(lead.phone)}`);
  return keys;
}

/**
 * The Redis key that holds the id of the lead an identity key belongs to: intake claims it, the
 * worker repairs and restores it. `queuePrefix` is QUEUE_PREFIX, so each deployment has its own.
 */
export function identityClaimRedisKey(queuePrefix: string, identityKey: string): string {
  return `${queuePrefix}:identity:${identityKey}`;
}

/**
 * What a claim key holds: the lead's id and, when intake made the claim for a new lead, the partner
 * that created it (`<lead id>/<partner id>`), so a request to change the lead can be allowed
 * without asking PostgreSQL. Claims the worker puts back or repairs may hold the lead id alone.
 * The claim scripts (intake's identity-claims.ts, the worker's identity-claim-keeper.ts) read and
 * write this same shape in Lua.
 */
export function identityClaimValue(leadId: string, creatorPartnerId: string | null): string {
  return creatorPartnerId === null ? leadId : `${leadId}/${creatorPartnerId}`;
}

/** The lead id a claim's value names. */
export function leadIdOfIdentityClaim(value: string): string {
  const slash = value.indexOf('/');
  return slash < 0 ? value : value.slice(0, slash);
}

// One-shot `crypto.hash` gives the same digest as `createHash().update().digest()` at about half
// the cost (no Hash object per key); two keys per lead add up in a 1,000-lead batch.
function digest(value: string): string {
  return hash('sha256', value, 'base64url');
}
