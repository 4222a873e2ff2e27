import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const formatVersion = 'v1';

/** Thrown when a ciphertext was not made with this key or has been tampered with. */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

/**
 * Encrypts secrets we must read back in clear (partner MD5 secrets, destination HMAC keys)
 * with AES-256-GCM. The key is derived from the configured key material with SHA-256.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(keyMaterial: string) {
    this.#key = createHash('sha256').update(keyMaterial).digest();
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [formatVersion, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join(':');
  }

  decrypt(ciphertext: string): string {
    const [version, iv, tag, data] = ciphertext.split(':');
    if (version !== formatVersion || !iv || !tag || data === undefined) {
      throw new SecretDecryptionError('unknown secret format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('secret cannot be decrypted with the configured SECRET_ENCRYPTION_KEY');
    }
  }
}
