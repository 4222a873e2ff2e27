/** IDENTITY_BUCKET_BITS when unset: 65,536 buckets, sized for up to about 6 million identities. */
export const defaultIdentityBucketBits = 16;
export const minIdentityBucketBits = 8;
export const maxIdentityBucketBits = 24;

/**
 * Bytes of an identity's SHA-256 kept as its field: 128 bits. Two different people share a
 * field only if their digests agree on all of them; among n stored identities the chance that any
 * two do is about n² / 2^129 (2 · 10^8 identities, a hundred million leads with email and phone:
 * about 6 · 10^-23). A false match would merge two people, so nothing shorter is kept.
 */
const fieldBytes = 16;
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
 * `<QUEUE_PREFIX>:identity:<bucket bits>:{<bucket>}`, so Redis keeps them as listpacks (about 60 bytes an
 * identity instead of about 220 for a key each):
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
 * write this value in Lua: byte 1-16 the lead, 17-32 the creator.
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
    const digest = Buffer.from(identityKey.slice(identityKey.indexOf(':') + 1), 'base64url');
    if (digest.length < fieldBytes) throw new Error('not an identity key');
    const field = digest.subarray(0, fieldBytes);
    const bucket = (field.readUInt32BE(0) >>> this.#shift).toString(16).padStart(this.#hexDigits, '0');
    return { key: `${this.#keyPrefix}{${bucket}}`, field };
  }

  /** A claim's value: 16 bytes of lead id, and 16 of the creator's id unless null. */
  encodeOwner(leadId: string, creatorPartnerId: string | null): Buffer {
    return creatorPartnerId === null ? uuidToBytes(leadId) : Buffer.concat([uuidToBytes(leadId), uuidToBytes(creatorPartnerId)]);
  }

  decodeOwner(value: Buffer): IdentityClaimOwner {
    if (value.length !== uuidBytes && value.length !== 2 * uuidBytes) throw new Error(`not an identity claim value (${value.length} bytes)`);
    return {
      leadId: bytesToUuid(value.subarray(0, uuidBytes)),
      creatorPartnerId: value.length === 2 * uuidBytes ? bytesToUuid(value.subarray(uuidBytes)) : null,
    };
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidToBytes(uuid: string): Buffer {
  // Lead and partner ids are UUIDs (PostgreSQL uuid columns); anything else would be stored wrong.
  if (!uuidPattern.test(uuid)) throw new Error('identity claims name leads and partners by UUID');
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
