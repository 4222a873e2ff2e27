import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptLegacy, legacyDestinationSecret, legacyKeyMaterial, legacyPartnerSecret } from '../../../test/fixtures/legacy-secret-ciphertexts.ts';
import { SecretBox, SecretDecryptionError, secretKeyId } from './secret-box.ts';

const oldKey = 'old-secret-encryption-key-0123456789abcdef';
const newKey = 'new-secret-encryption-key-0123456789abcdef';

describe('SecretBox, the ring of SECRET_ENCRYPTION_KEYS', () => {
  it('encrypts with the newest key and names it in the ciphertext', () => {
    const ring = new SecretBox([newKey, oldKey]);
    const ciphertext = ring.encrypt('destination-secret');
    expect(ring.newestKeyId).toBe(secretKeyId(newKey));
    expect(ciphertext.startsWith(`v2:${secretKeyId(newKey)}:`)).toBe(true);
    expect(ring.isOnNewestKey(ciphertext)).toBe(true);
    // Only the new key opens it: a ring of the old key alone does not.
    expect(new SecretBox([newKey]).decrypt(ciphertext)).toBe('destination-secret');
    expect(() => new SecretBox([oldKey]).decrypt(ciphertext)).toThrow(SecretDecryptionError);
  });

  it('decrypts with any key of the ring, whatever its place', () => {
    const writtenWithOld = new SecretBox([oldKey]).encrypt('old-one');
    const writtenWithNew = new SecretBox([newKey]).encrypt('new-one');
    for (const ring of [new SecretBox([newKey, oldKey]), new SecretBox([oldKey, newKey])]) {
      expect(ring.decrypt(writtenWithOld)).toBe('old-one');
      expect(ring.decrypt(writtenWithNew)).toBe('new-one');
    }
  });

  it('says which key id is missing when a ciphertext names a key the ring does not have', () => {
    const ciphertext = new SecretBox([oldKey]).encrypt('secret');
    const ring = new SecretBox([newKey]);
    expect(() => ring.decrypt(ciphertext)).toThrow(SecretDecryptionError);
    expect(() => ring.decrypt(ciphertext)).toThrow(
      `secret was encrypted with key ${secretKeyId(oldKey)}, which is not in the configured keys (${secretKeyId(newKey)}; SECRET_ENCRYPTION_KEYS)`,
    );
  });

  it('decrypts ciphertexts written before key ids with whichever key of the ring made them', () => {
    for (const ring of [new SecretBox([legacyKeyMaterial]), new SecretBox([newKey, legacyKeyMaterial])]) {
      expect(ring.decrypt(legacyDestinationSecret.ciphertext)).toBe(legacyDestinationSecret.plaintext);
      expect(ring.decrypt(legacyPartnerSecret.ciphertext)).toBe(legacyPartnerSecret.plaintext);
      expect(ring.isOnNewestKey(legacyDestinationSecret.ciphertext)).toBe(false);
    }
    expect(() => new SecretBox([newKey]).decrypt(legacyDestinationSecret.ciphertext)).toThrow(/written without a key id/);
    expect(new SecretBox([newKey, oldKey]).decrypt(encryptLegacy(oldKey, 'by the old writer'))).toBe('by the old writer');
  });

  it('re-encrypts only what is not on the newest key', () => {
    const ring = new SecretBox([newKey, legacyKeyMaterial]);
    const moved = ring.reencrypt(legacyPartnerSecret.ciphertext);
    expect(ring.isOnNewestKey(moved)).toBe(true);
    expect(new SecretBox([newKey]).decrypt(moved)).toBe(legacyPartnerSecret.plaintext);
    expect(ring.reencrypt(moved)).toBe(moved);
  });

  it('refuses an altered ciphertext, its key id included', () => {
    const ring = new SecretBox([newKey, oldKey]);
    const [format, keyId, iv, tag, data] = ring.encrypt('secret').split(':') as [string, string, string, string, string];
    const flipped = `${data.startsWith('A') ? 'B' : 'A'}${data.slice(1)}`;
    expect(() => ring.decrypt([format, keyId, iv, tag, flipped].join(':'))).toThrow(/it was altered/);
    // Naming another key of the ring does not make it decrypt with that key.
    expect(() => ring.decrypt([format, secretKeyId(oldKey), iv, tag, data].join(':'))).toThrow(/it was altered/);
    expect(() => ring.decrypt('v2:short')).toThrow('unknown secret format');
    expect(() => ring.decrypt([format, keyId, iv, 'c2hvcnQ', data].join(':'))).toThrow(/it was altered/);
  });

  it('names keys as the README tells operators to compute it, and refuses the same key twice', () => {
    const shellId = createHash('sha256').update(`leadrelay-key-id:${newKey}`).digest('hex').slice(0, 12);
    expect(secretKeyId(newKey)).toBe(shellId);
    expect(secretKeyId(newKey)).toMatch(/^[0-9a-f]{12}$/);
    expect(() => new SecretBox([newKey, newKey])).toThrow('listed twice');
    expect(() => new SecretBox([])).toThrow('at least one key');
  });
});
