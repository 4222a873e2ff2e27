import { timingSafeEqual } from 'node:crypto';
import { hashApiKey } from '@leadrelay/credentials';
import type { IntakePartner } from './partner-directory.ts';

/** Constant-time check that `presented` is this partner's API key (compared as hashes). */
export function isPartnerApiKey(partner: IntakePartner, presented: string | undefined): boolean {
  if (!presented) return false;
  const given = Buffer.from(hashApiKey(presented), 'hex');
  const expected = Buffer.from(partner.apiKeyHash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
