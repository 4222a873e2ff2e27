import { serializeLeadDocument, type LeadDocument } from '@leadrelay/lead';
import { buildWebhookHeaders } from '@leadrelay/signing';

/** A destination's signing secrets as stored: encrypted, with the rotation in progress if any. */
export interface EncryptedDestinationSecrets {
  secretCiphertext: string;
  /** During a rotation, the old secret; it still signs X-Lead-Router-Signature until `secretSwitchAt`. */
  previousSecretCiphertext: string | null;
  secretSwitchAt: Date | null;
}

/** Turns a stored ciphertext into the secret; DecryptedSecrets (cached) or a SecretBox. */
export interface SecretDecrypter {
  decrypt(ciphertext: string): string;
}

export interface SignedWebhookInput {
  messageId: string;
  document: LeadDocument;
  /** The destination's account id, sent as the document's `partner_id`. */
  partnerId: string | null;
  secrets: EncryptedDestinationSecrets;
  decrypter: SecretDecrypter;
}

/** The body and headers of one webhook, exactly as every attempt, test send and replay sends it. */
export interface SignedWebhook {
  /** UTF-8, encoded once: both signatures and the request use these bytes. */
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * The seed 003 body of a lead document for one destination, signed with the destination's secrets
 * in both header schemes (X-Lead-Router-Signature and Standard Webhooks).
 */
export function buildSignedWebhook({ messageId, document, partnerId, secrets, decrypter }: SignedWebhookInput): SignedWebhook {
  const body = Buffer.from(serializeLeadDocument(document, partnerId));
  const headers = buildWebhookHeaders({
    messageId,
    body,
    secrets: {
      current: decrypter.decrypt(secrets.secretCiphertext),
      previous: secrets.previousSecretCiphertext ? decrypter.decrypt(secrets.previousSecretCiphertext) : null,
      switchAt: secrets.secretSwitchAt,
    },
  });
  return { body, headers };
}
