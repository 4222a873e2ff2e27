import { hash } from 'node:crypto';
import type { NormalizedLead } from './normalized-lead.ts';

/**
 * The keys that make two leads the same person: normalized email and E.164 phone. Hashed so
 * the Redis claims on them carry no personal data (IdentityClaimLayout says where they live).
 */
export function identityKeys(lead: Pick<NormalizedLead, 'email' | 'phone'>): string[] {
  const keys: string[] = [];
  if (lead.email) keys.push(`email:${digest(lead.email)}`);
  if (lead.phone) keys.push(`phone:${digest(lead.phone)}`);
  return keys;
}

// One-shot `crypto.hash` gives the same digest as `createHash().update().digest()` at about half
// the cost (no Hash object per key); two keys per lead add up in a 1,000-lead batch.
function digest(value: string): string {
  return hash('sha256', value, 'base64url');
}
