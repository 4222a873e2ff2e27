import { createHash, randomBytes } from 'node:crypto';

const apiKeyPrefix = 'lr_';

/** A new partner API key: high-entropy, URL-safe, recognisable by its prefix. */
export function generateApiKey(): string {
  return apiKeyPrefix + randomBytes(24).toString('base64url');
}

/**
 * Keys are stored as SHA-256: they carry 192 bits of entropy, so a fast hash is safe and lets
 * intake look a partner up by key in one indexed read.
 */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** What operators see of a key: enough to tell two apart, too little to use. */
export function apiKeyDisplayPrefix(apiKey: string): string {
  return apiKey.slice(0, apiKeyPrefix.length + 6);
}

/** A new signing secret for a partner (hotwire MD5) or a destination (HMAC-SHA256). */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}
