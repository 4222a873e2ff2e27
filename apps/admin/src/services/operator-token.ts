import { randomBytes } from 'node:crypto';

/** Every operator token starts with this, so a leaked one is recognisable (and secret scanners can match it). */
export const operatorTokenPrefix = 'lrop_';

/** A new operator token: 256 random bits, URL-safe. */
export function generateOperatorToken(): string {
  return operatorTokenPrefix + randomBytes(32).toString('base64url');
}

/** What operators see of a token: enough to tell two apart, too little to use. */
export function operatorTokenDisplayPrefix(token: string): string {
  return token.slice(0, operatorTokenPrefix.length + 6);
}
