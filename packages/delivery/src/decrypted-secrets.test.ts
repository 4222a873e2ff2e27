import { describe, expect, it } from 'vitest';
import { SecretBox, SecretDecryptionError } from '@leadrelay/credentials';
import { DecryptedSecrets } from './decrypted-secrets.ts';

describe('DecryptedSecrets', () => {
  const secretBox = new SecretBox(['decrypted-secrets-test-key']);

  it('answers what the secret box decrypts, a rotated secret included, and keeps at most its bound', () => {
    const secrets = new DecryptedSecrets({ secretBox, maxEntries: 2 });
    const ciphertexts = ['first', 'second', 'third'].map((secret) => secretBox.encrypt(secret));
    expect(ciphertexts.map((ciphertext) => secrets.decrypt(ciphertext))).toEqual(['first', 'second', 'third']);
    // The oldest was forgotten to keep the bound; asking again decrypts it again.
    expect(secrets.decrypt(ciphertexts[0]!)).toBe('first');
  });

  it('throws for a ciphertext made with another key, every time', () => {
    const secrets = new DecryptedSecrets({ secretBox });
    const foreign = new SecretBox(['another-key']).encrypt('secret');
    expect(() => secrets.decrypt(foreign)).toThrow(SecretDecryptionError);
    expect(() => secrets.decrypt(foreign)).toThrow(SecretDecryptionError);
  });
});
