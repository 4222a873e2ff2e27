import type { SecretBox } from '@leadrelay/credentials';

export interface DecryptedSecretsOptions {
  secretBox: SecretBox;
  /** Secrets kept at most; past this the oldest is forgotten. */
  maxEntries?: number;
}

/**
 * Destination secrets decrypted once per ciphertext instead of once per attempt: AES-GCM plus the
 * base64 decoding cost more than a cheap delivery's other work. A rotated secret has another
 * ciphertext, so an entry never goes stale; the bound only keeps deleted destinations' secrets
 * from piling up. A ciphertext that cannot be decrypted is not kept: it throws every time.
 */
export class DecryptedSecrets {
  readonly #secretBox: SecretBox;
  readonly #maxEntries: number;
  readonly #plaintextByCiphertext = new Map<string, string>();

  constructor({ secretBox, maxEntries = 10_000 }: DecryptedSecretsOptions) {
    this.#secretBox = secretBox;
    this.#maxEntries = maxEntries;
  }

  decrypt(ciphertext: string): string {
    let plaintext = this.#plaintextByCiphertext.get(ciphertext);
    if (plaintext === undefined) {
      plaintext = this.#secretBox.decrypt(ciphertext);
      if (this.#plaintextByCiphertext.size >= this.#maxEntries) {
        // Maps iterate in insertion order: the first key is the oldest.
        this.#plaintextByCiphertext.delete(this.#plaintextByCiphertext.keys().next().value!);
      }
      this.#plaintextByCiphertext.set(ciphertext, plaintext);
    }
    return plaintext;
  }
}
