/** IDENTITY_BUCKET_BITS when unset: 65,536 buckets, sized for up to about 4 million identities (README: identity claims in Redis). */
export const defaultIdentityBucketBits = 16;
export const minIdentityBucketBits = 8;
export const maxIdentityBucketBits = 24;

/**
 * Bytes of an identity's SHA-256 kept as its field: 128 bits. Two different people share a
 * field only if their digests agree on all of them; among n stored identities the chance that any
 * two do is about n² / 2^129 (2 · 10^8 identities, a hundred million leads with email and phone:
 * about 6 · 10^-23). A false match would merge two people, so nothing shorter is kept.
 */
export const identityClaimFieldBytes = 16;
const uuidBytes = 16;

/** Where one identity's claim lives: a bucket (a Redis hash) and the field in it. */
export interface IdentityClaimSlot {
  key: string;
  field: Buffer;
}

/** What a claim says: the lead, and the partner that created it when intake claimed it for a new lead. */
export interface IdentityClaimOwner {
  leadId: string;
  creatorPartnerId: string | null;
}

/**
 * Where intake's identity claims live in Redis, shared by intake (which claims), the worker
 * (which repairs and restores) and the tests. Claims are fields of hash buckets,
 * `<QUEUE_PREFIX>:identity:<bucket bits>:{<bucket>}`, so Redis keeps them as listpacks (about 60
 * bytes an identity instead of about 220 for a key each; bench/identity-memory.ts):
 *
 * - bucket: the first `bucketBits` bits of the identity's SHA-256, in hex; the braces make it the
 *   key's hash tag, so on a cluster the buckets spread over the slots. The bit count is in the
 *   name, so a deployment that changes it finds (and can delete) the buckets of the old count;
 * - field: the first 16 bytes of the SHA-256 (the bucket's bits included, so a claim can be
 *   moved to another bucket count without the email or phone);
 * - value: the lead id as 16 bytes, followed by the creator partner's id as 16 bytes when intake
 *   claimed it for a new lead (claims the worker repaired or restored may hold the lead alone).
 *
 * The claim scripts (intake's identity-claims.ts, the worker's identity-claim-keeper.ts) read and
 * write this value in Lua: byte 1-16 the lead, 17-32 the creator. On a Redis Cluster a field may
 * for a moment hold a longer value instead, a reservation (intake's claim across slots: the
 * 32 bytes, `p` and an expiry); nothing but intake's claim scripts reads it as a claim.
 */
export class IdentityClaimLayout {
  readonly bucketBits: number;
  readonly #keyPrefix: string;
  readonly #shift: number;
  readonly #hexDigits: number;

  /** `queuePrefix` is QUEUE_PREFIX; `bucketBits` IDENTITY_BUCKET_BITS, the same in every app of a deployment. */
  constructor(queuePrefix: string, bucketBits: number = defaultIdentityBucketBits) {
    if (!Number.isInteger(bucketBits) || bucketBits < minIdentityBucketBits || bucketBits > maxIdentityBucketBits) {
      throw new RangeError(`identity bucket bits must be a whole number from ${minIdentityBucketBits} to ${maxIdentityBucketBits}, got ${bucketBits}`);
    }
    this.bucketBits = bucketBits;
    this.#keyPrefix = `${queuePrefix}:identity:${bucketBits}:`;
    this.#shift = 32 - bucketBits;
    this.#hexDigits = Math.ceil(bucketBits / 4);
  }

  /** The bucket and field of an identity key (`identityKeys`: `email:<sha256 base64url>`). */
  slotOf(identityKey: string): IdentityClaimSlot {
    const field = Buffer.allocUnsafe(identityClaimFieldBytes);
    return { key: this.writeField(identityKey, field, 0), field };
  }

  /**
   * Writes an identity key's field (16 bytes) into `target` at `offset` and returns its bucket's
   * key: the claim script's arguments are built this way, without a Buffer per identity.
   */
  writeField(identityKey: string, target: Buffer, offset: number): string {
    const written = target.write(identityKey.slice(identityKey.indexOf(':') + 1), offset, identityClaimFieldBytes, 'base64url');
    if (written !== identityClaimFieldBytes) throw new Error('not an identity key');
    const bucket = (target.readUInt32BE(offset) >>> this.#shift).toString(16).padStart(this.#hexDigits, '0');
    return `${this.#keyPrefix}{${bucket}}`;
  }

  /** A claim's value: 16 bytes of lead id, and 16 of the creator's id unless null. */
  encodeOwner(leadId: string, creatorPartnerId: string | null): Buffer {
    const value = Buffer.allocUnsafe(creatorPartnerId === null ? uuidBytes : 2 * uuidBytes);
    this.writeOwner(leadId, creatorPartnerId, value, 0);
    return value;
  }

  /** Writes a claim's value (`encodeOwner`) into `target` at `offset`; returns the bytes written. */
  writeOwner(leadId: string, creatorPartnerId: string | null, target: Buffer, offset: number): number {
    writeUuid(leadId, target, offset);
    if (creatorPartnerId === null) return uuidBytes;
    writeUuid(creatorPartnerId, target, offset + uuidBytes);
    return 2 * uuidBytes;
  }

  /** The lead id a claim's value (or any 16 bytes written by writeOwner) holds at `offset`. */
  leadIdAt(value: Buffer, offset: number): string {
    return uuidAt(value, offset);
  }

  decodeOwner(value: Buffer): IdentityClaimOwner {
    if (value.length !== uuidBytes && value.length !== 2 * uuidBytes) throw new Error(`not an identity claim value (${value.length} bytes)`);
    return {
      leadId: uuidAt(value, 0),
      creatorPartnerId: value.length === 2 * uuidBytes ? uuidAt(value, uuidBytes) : null,
    };
  }
}

// Hex digit values by character code, -1 for any other character.
const hexDigitValues = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit += 1) {
  hexDigitValues['0123456789abcdef'.charCodeAt(digit)] = digit;
  hexDigitValues['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/**
 * Lead and partner ids are UUIDs (PostgreSQL uuid columns); anything else would be stored wrong,
 * so it throws. Parsed by hand: several ids per lead, and about four times faster than Buffer#write.
 */
function writeUuid(uuid: string, target: Buffer, offset: number): void {
  if (uuid.length !== 36) throw notUuid();
  let at = offset;
  for (let index = 0; index < 36; index += 2) {
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (uuid.charCodeAt(index) !== 0x2d /* - */) throw notUuid();
      index -= 1;
      continue;
    }
    const high = hexDigitValue(uuid.charCodeAt(index));
    const low = hexDigitValue(uuid.charCodeAt(index + 1));
    if (high < 0 || low < 0) throw notUuid();
    target[at] = (high << 4) | low;
    at += 1;
  }
}

function hexDigitValue(code: number): number {
  return code < 128 ? hexDigitValues[code]! : -1;
}

function notUuid(): Error {
  return new Error('identity claims name leads and partners by UUID');
}

/** The UUID in the 16 bytes of `bytes` at `offset`, in its usual text form. */
function uuidAt(bytes: Buffer, offset: number): string {
  const hex = bytes.toString('hex', offset, offset + uuidBytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
