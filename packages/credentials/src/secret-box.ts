import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** `v1:<iv>:<tag>:<data>`: written before ciphertexts named their key; decrypted by trying every key. */
const legacyFormat = 'v1';
/** `v2:<keyId>:<iv>:<tag>:<data>`; `v2:<keyId>` is authenticated too (GCM additional data). */
const keyedFormat = 'v2';

/** Thrown when a ciphertext was not made with a key of the ring or has been tampered with. */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

/**
 * The id a ciphertext names its key by: the first 12 hex digits of SHA-256 over
 * `leadrelay-key-id:` and the key material. Operators can compute it in a shell
 * (`printf 'leadrelay-key-id:%s' "$KEY" | sha256sum | cut -c1-12`). The prefix keeps it from being
 * part of the AES key, which is SHA-256 of the material alone.
 */
export function secretKeyId(keyMaterial: string): string {
  return createHash('sha256').update(`leadrelay-key-id:${keyMaterial}`).digest('hex').slice(0, 12);
}

interface RingKey {
  id: string;
  aesKey: Buffer;
}

/**
 * Encrypts secrets we must read back in clear (partner MD5 secrets, destination HMAC keys)
 * with AES-256-GCM, as a key ring: `keyMaterials` newest first (SECRET_ENCRYPTION_KEYS). New
 * ciphertexts are made with the newest key and name it; any key of the ring decrypts. Each AES key
 * is SHA-256 of its key material.
 */
export class SecretBox {
  readonly #keys: RingKey[];
  readonly #keysById: Map<string, RingKey>;

  constructor(keyMaterials: readonly string[]) {
    if (keyMaterials.length === 0) throw new Error('a SecretBox needs at least one key');
    this.#keys = keyMaterials.map((material) => ({ id: secretKeyId(material), aesKey: createHash('sha256').update(material).digest() }));
    this.#keysById = new Map(this.#keys.map((key) => [key.id, key]));
    if (this.#keysById.size !== this.#keys.length) throw new Error('the same encryption key is listed twice');
  }

  /** The key new secrets are encrypted with. */
  get newestKeyId(): string {
    return this.#keys[0]!.id;
  }

  /** Every key of the ring, newest first. */
  get keyIds(): string[] {
    return this.#keys.map((key) => key.id);
  }

  encrypt(plaintext: string): string {
    const key = this.#keys[0]!;
    const header = `${keyedFormat}:${key.id}`;
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', key.aesKey, iv);
    cipher.setAAD(Buffer.from(header));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [header, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join(':');
  }

  decrypt(ciphertext: string): string {
    const parts = ciphertext.split(':');
    if (parts[0] === legacyFormat && parts.length === 4) {
      const [, iv, tag, data] = parts as [string, string, string, string];
      for (const key of this.#keys) {
        const plaintext = openOrNull(key.aesKey, iv, tag, data, null);
        if (plaintext !== null) return plaintext;
      }
      throw new SecretDecryptionError(`secret (written without a key id) cannot be decrypted with any key of ${this.#ringText()}`);
    }
    if (parts[0] === keyedFormat && parts.length === 5) {
      const [, keyId, iv, tag, data] = parts as [string, string, string, string, string];
      const key = this.#keysById.get(keyId);
      if (!key) throw new SecretDecryptionError(`secret was encrypted with key ${keyId}, which is not in ${this.#ringText()}`);
      const plaintext = openOrNull(key.aesKey, iv, tag, data, Buffer.from(`${keyedFormat}:${keyId}`));
      if (plaintext === null) throw new SecretDecryptionError(`secret does not decrypt with key ${keyId}: it was altered`);
      return plaintext;
    }
    throw new SecretDecryptionError('unknown secret format');
  }

  /** True when `ciphertext` names the newest key; legacy ciphertexts never do. */
  isOnNewestKey(ciphertext: string): boolean {
    return ciphertext.startsWith(`${keyedFormat}:${this.newestKeyId}:`);
  }

  /** `ciphertext` itself when it is on the newest key, else its secret encrypted with the newest key. */
  reencrypt(ciphertext: string): string {
    return this.isOnNewestKey(ciphertext) ? ciphertext : this.encrypt(this.decrypt(ciphertext));
  }

  #ringText(): string {
    return `the configured keys (${this.keyIds.join(', ')}; SECRET_ENCRYPTION_KEYS)`;
  }
}

const ivBytes = 12;
const tagBytes = 16;
/** What Node's decipher throws, with no error code, when the key or the data do not authenticate. */
const authenticationFailure = 'Unsupported state or unable to authenticate data';

/** The plaintext, or null when this key and additional data do not authenticate the ciphertext. */
function openOrNull(aesKey: Buffer, iv: string, tag: string, data: string, additionalData: Buffer | null): string | null {
  const ivBuffer = Buffer.from(iv, 'base64url');
  const tagBuffer = Buffer.from(tag, 'base64url');
  if (ivBuffer.length !== ivBytes || tagBuffer.length !== tagBytes) return null;
  const decipher = createDecipheriv('aes-256-gcm', aesKey, ivBuffer);
  if (additionalData) decipher.setAAD(additionalData);
  decipher.setAuthTag(tagBuffer);
  try {
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    if (error instanceof Error && error.message === authenticationFailure) return null;
    throw error;
  }
}
