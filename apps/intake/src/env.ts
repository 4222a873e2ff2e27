import { z } from 'zod';
import {
  commonEnvShape,
  durationMsFromEnv,
  loadEnv,
  portFromEnv,
  refineProductionSecrets,
} from '@leadrelay/config';

export const IntakeEnvSchema = z
  .object({
    ...commonEnvShape,
    INTAKE_PORT: portFromEnv.default(3000),
    INTAKE_HOST: z.string().default('0.0.0.0'),
    /**
     * Port of intake's /metrics (with /healthz and /readyz), kept off the port partners reach:
     * request counts and timings are for our monitoring, not for them.
     */
    INTAKE_METRICS_PORT: portFromEnv.default(3004),
    /** Largest request body accepted, in bytes (default 1 MiB). */
    INTAKE_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
    /** How long a partner's settings are cached before intake reads them again. */
    PARTNER_CACHE_TTL: durationMsFromEnv.default(5_000),
    /**
     * While PostgreSQL is unreachable, how old a known partner's cached settings may be and still
     * be used (its leads only need Redis); past it, and for keys or slugs not cached, intake answers 503.
     */
    PARTNER_CACHE_MAX_STALE: durationMsFromEnv.default(600_000),
    /** How far a hotwire MD5 signature's timestamp may be from our clock, either way. */
    HOTWIRE_SIGNATURE_WINDOW: durationMsFromEnv.default(300_000),
    /** Requests a minute per partner when the partner sets no limit of its own. */
    DEFAULT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1000),
  })
  .superRefine((env, ctx) => refineProductionSecrets(env, ctx, ['SECRET_ENCRYPTION_KEY']));

export type IntakeEnv = z.output<typeof IntakeEnvSchema>;

export function loadIntakeEnv(): IntakeEnv {
  return loadEnv(IntakeEnvSchema);
}
