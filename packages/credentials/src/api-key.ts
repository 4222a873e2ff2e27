import { createHash, randomBytes } from 'node:crypto';

/**
 * The bearer credentials LeadRelay hands out, told apart by their prefix: a leaked one is
 * recognisable (secret scanners can match it), and a service can refuse another kind's key
 * before any lookup.
 */
export const apiKeyPrefixes = {
  /** A partner's key for intake. */
  partner: 'lr_',
  /** A CRM subscriber's key for the portal and its API. */
  subscriber: 'lrsub_',
  /** A named operator's token for the admin API. */
  operator: 'lrop_',
} as const;

export type ApiKeyKind = keyof typeof apiKeyPrefixes;

/** Random bytes per kind: partner keys keep the length they always had. */
const randomBytesOf: Record<ApiKeyKind, number> = { partner: 24, subscriber: 32, operator: 32 };

/** A new key of a kind: high-entropy, URL-safe, recognisable by its prefix. */
export function generateApiKey(kind: ApiKeyKind = 'partner'): string {
  return apiKeyPrefixes[kind] + randomBytes(randomBytesOf[kind]).toString('base64url');
}

/** Whether a presented key is of a kind, by its prefix alone. */
export function isApiKeyOf(kind: ApiKeyKind, presented: string): boolean {
  return presented.startsWith(apiKeyPrefixes[kind]);
}

/**
 * Keys are stored as SHA-256: they carry 192 bits of entropy or more, so a fast hash is safe and
 * lets a service look its holder up by key in one indexed read.
 */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** What operators see of a key: its prefix and 6 more characters, enough to tell two apart, too little to use. */
export function apiKeyDisplayPrefix(apiKey: string): string {
  return apiKey.slice(0, apiKey.indexOf('_') + 1 + 6);
}

/** A new signing secret for a partner (hotwire MD5) or a destination (HMAC-SHA256): 32 random bytes. */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}
