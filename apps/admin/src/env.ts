import { z } from 'zod';
import {
  booleanFromEnv,
  commonEnvShape,
  loadEnv,
  portFromEnv,
  refineProductionSecrets,
  secretEncryptionKeysOf,
  suppressionHashKeyOf,
  suppressionHashKeyShape,
} from '@leadrelay/config';

/** Used when ADMIN_TOKEN is not set outside production; start-up warns about it. */
export const developmentAdminToken = 'dev-admin-token';

export const AdminEnvSchema = z
  .object({
    ...commonEnvShape,
    ...suppressionHashKeyShape,
    ADMIN_PORT: portFromEnv.default(3001),
    ADMIN_HOST: z.string().default('0.0.0.0'),
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Where operators reach the admin API; lead documents link to leads here by default. */
    ADMIN_PUBLIC_URL: z.url().default('http://localhost:3001'),
    ALLOW_PRIVATE_DESTINATIONS: booleanFromEnv.optional(),
  })
  .superRefine((env, ctx) => refineProductionSecrets(env, ctx, ['ADMIN_TOKEN', 'SUPPRESSION_HASH_KEY']))
  .transform((env, ctx) => ({
    ...env,
    SECRET_ENCRYPTION_KEYS: secretEncryptionKeysOf(env, ctx),
    SUPPRESSION_HASH_KEY: suppressionHashKeyOf(env),
    ADMIN_TOKEN: env.ADMIN_TOKEN ?? developmentAdminToken,
    usingDevelopmentAdminToken: env.ADMIN_TOKEN === undefined,
    ALLOW_PRIVATE_DESTINATIONS: env.ALLOW_PRIVATE_DESTINATIONS ?? env.NODE_ENV !== 'production',
  }));

export type AdminEnv = z.output<typeof AdminEnvSchema>;

export function loadAdminEnv(): AdminEnv {
  return loadEnv(AdminEnvSchema);
}
