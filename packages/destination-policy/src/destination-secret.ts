/**
 * Seed 003's receivers are configured with a secret of their own choosing (its samples use
 * `12345`), so a CRM moving its receiver here must be able to keep it: any secret of 1 to 256
 * bytes is taken. A short one is a guessable HMAC key, so it is taken with a warning.
 */
export const destinationSecretMaxBytes = 256;
/** Secrets shorter than this, in UTF-8 bytes, are accepted with a warning. */
export const weakDestinationSecretBelowBytes = 16;

/** Why a secret cannot be used, or null when it can. */
export function destinationSecretRefusal(secret: string): string | null {
  const bytes = destinationSecretBytes(secret);
  if (bytes === 0) return 'must not be empty';
  if (bytes > destinationSecretMaxBytes) return `must be at most ${destinationSecretMaxBytes} bytes (UTF-8), not ${bytes}`;
  return null;
}

/** UTF-8 bytes, the unit of every secret limit here. */
export function destinationSecretBytes(secret: string): number {
  return Buffer.byteLength(secret, 'utf8');
}

/** What the caller should know about a secret of `bytes` bytes; empty for a strong one. */
export function destinationSecretWarnings(bytes: number): string[] {
  if (bytes >= weakDestinationSecretBelowBytes) return [];
  return [
    `weak_secret: the secret has ${bytes} bytes; below ${weakDestinationSecretBelowBytes} its signatures can be forged by guessing it. ` +
      'Rotate to a generated secret (leave `secret` out) once your receiver can take one.',
  ];
}
