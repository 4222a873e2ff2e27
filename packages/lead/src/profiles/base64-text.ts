// Both alphabets and up to two padding characters; mixing alphabets is checked separately.
const base64Characters = /^[A-Za-z0-9+/_-]*={0,2}$/;

// Control characters besides tab and line breaks mean the bytes were not the text a person saw.
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * The UTF-8 text a base64 (or base64url) string encodes, or null when it is not exactly that.
 * Node's own decoder skips characters outside the alphabet and ignores bad padding, which turns a
 * damaged consent text into different, plausible-looking text; here any flaw rejects the whole
 * value instead.
 */
export function decodeBase64Text(encoded: string): string | null {
  if (!isStrictBase64(encoded)) return null;
  const text = decodeUtf8(Buffer.from(encoded, 'base64'));
  if (text === null || controlCharacters.test(text)) return null;
  return text;
}

/**
 * Characters of one alphabet, not a mix, padded to a multiple of four. Padding is required even
 * for base64url: a value that lost its end (a trailing `+` read as a space and trimmed) is then
 * rejected instead of decoding to shorter text. Re-encoding must give the input back, which also
 * rejects non-zero bits after the last byte (`QR==` would otherwise decode to the same `A` as `QQ==`).
 */
function isStrictBase64(encoded: string): boolean {
  if (!base64Characters.test(encoded) || encoded.length % 4 !== 0) return false;
  const isUrl = /[-_]/.test(encoded);
  if (isUrl && /[+/]/.test(encoded)) return false;
  const bytes = Buffer.from(encoded, 'base64');
  return encodeBase64(bytes, isUrl) === encoded;
}

function encodeBase64(bytes: Buffer, asUrl: boolean): string {
  const standard = bytes.toString('base64');
  return asUrl ? standard.replaceAll('+', '-').replaceAll('/', '_') : standard;
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    // A fatal decoder throws a TypeError for malformed UTF-8, and only that is "not text".
    if (error instanceof TypeError) return null;
    throw error;
  }
}
