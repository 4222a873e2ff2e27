import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Lead-Router-Signature` as seed 003 defines it: hex HMAC-SHA256 of exactly the body bytes,
 * keyed with the destination secret (Go: `hmac.New(sha256.New, secret)`).
 */
export function signLeadRouterBody(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of a `X-Lead-Router-Signature` header, as the seed asks receivers to do. */
export function verifyLeadRouterSignature(secret: string, body: string | Buffer, signature: string): boolean {
  const expected = Buffer.from(signLeadRouterBody(secret, body), 'hex');
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
