import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Lead-Router-Signature` as seed 003 defines it: lowercase hex HMAC-SHA256 of exactly the body
 * bytes, keyed with the destination secret's UTF-8 bytes (Go: `hmac.New(sha256.New, secret)`).
 * LeadRelay signs with this; CRMs can use it to sign test requests to their own receivers.
 */
export function signLeadRouterBody(secret: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Constant-time check of an `X-Lead-Router-Signature` header against one secret, as seed 003 asks
 * receivers to do. Only the header's format (64 hex digits) is checked in variable time.
 */
export function verifyLeadRouterSignature(secret: string, body: string | Uint8Array, signature: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
}
