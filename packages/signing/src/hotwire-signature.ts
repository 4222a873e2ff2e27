import { createHash, timingSafeEqual } from 'node:crypto';

export interface HotwireSignatureInput {
  apiKey: string;
  secret: string;
  /** The `sig` query parameter: hex MD5 of apiKey + secret + unix seconds. */
  signature: string;
  nowSeconds: number;
  /** How far the signing time may be from our clock, either way. */
  windowSeconds: number;
}

export function signHotwireRequest(apiKey: string, secret: string, unixSeconds: number): string {
  return createHash('md5').update(`${apiKey}${secret}${unixSeconds}`).digest('hex');
}

/**
 * Seed 000 signs with the API key, the secret and a unix timestamp but does not send the
 * timestamp, so every second of the validity window is tried (at most 2 × window + 1 MD5s).
 */
export function verifyHotwireSignature({ apiKey, secret, signature, nowSeconds, windowSeconds }: HotwireSignatureInput): boolean {
  if (!/^[0-9a-f]{32}$/i.test(signature)) return false;
  const given = Buffer.from(signature.toLowerCase(), 'hex');
  let matched = false;
  for (let offset = -windowSeconds; offset <= windowSeconds; offset += 1) {
    const expected = Buffer.from(signHotwireRequest(apiKey, secret, nowSeconds + offset), 'hex');
    // Keep scanning after a match so the time taken does not reveal the signing second.
    if (timingSafeEqual(given, expected)) matched = true;
  }
  return matched;
}
