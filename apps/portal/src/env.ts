import { z } from 'zod';
import { booleanFromEnv, commonEnvShape, loadEnv, portFromEnv, secretEncryptionKeysOf } from '@leadrelay/config';

export const PortalEnvSchema = z
  .object({
    ...commonEnvShape,
    PORTAL_PORT: portFromEnv.default(3005),
    PORTAL_HOST: z.string().default('0.0.0.0'),
    /** /metrics and health for Prometheus and orchestrators, on a port of its own: never on the one CRMs reach. */
    PORTAL_METRICS_PORT: portFromEnv.default(3006),
    /** The portal faces the internet: private destinations are refused in production, as in the admin. */
    ALLOW_PRIVATE_DESTINATIONS: booleanFromEnv.optional(),
    /**
     * The address CRMs' browsers open the portal at (https://portal.example.com), behind a proxy
     * that terminates TLS or rewrites Host: form POSTs must then come from exactly this origin.
     * Unset: from the host the request was sent to.
     */
    PORTAL_PUBLIC_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://portal.example.com' })
      .transform((url) => new URL(url).origin)
      .optional(),
  })
  .transform((env, ctx) => ({
    ...env,
    SECRET_ENCRYPTION_KEYS: secretEncryptionKeysOf(env, ctx),
    ALLOW_PRIVATE_DESTINATIONS: env.ALLOW_PRIVATE_DESTINATIONS ?? env.NODE_ENV !== 'production',
  }));

export type PortalEnv = z.output<typeof PortalEnvSchema>;

export function loadPortalEnv(): PortalEnv {
  return loadEnv(PortalEnvSchema);
}
