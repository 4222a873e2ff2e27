import { z } from 'zod';
import { parseDurationListMs, parseDurationMs } from './duration.ts';

/** `true`/`false`/`1`/`0`/`yes`/`no`, as environment variables spell booleans. */
export const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

export const durationMsFromEnv = z.string().transform((text, ctx) => {
  try {
    return parseDurationMs(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

export const durationListMsFromEnv = z.string().transform((text, ctx) => {
  try {
    return parseDurationListMs(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const redisUrl = z
  .string()
  .refine((value) => /^rediss?:\/\//.test(value), 'expected a redis:// or rediss:// URL');

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'expected a postgresql:// URL');

export const portFromEnv = z.coerce.number().int().min(0).max(65535);

/** Variables every LeadRelay process reads. */
export const commonEnvShape = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` for people at a terminal, `json` for log shippers; default: pretty on a TTY. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  DATABASE_URL: postgresUrl.default('postgresql://postgres@127.0.0.1:5432/leadrelay'),
  /** Prefix of every Redis key BullMQ and LeadRelay write; lets several systems share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9:_-]+$/, 'letters, digits, :, _ and - only').default('leadrelay'),
  /**
   * Key material (at least 32 characters) that encrypts partner and destination secrets at rest.
   * Required in production; development uses a fixed, public one.
   */
  SECRET_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * `true` lets a production process start on a Redis that can lose acknowledged leads (no AOF,
   * or an eviction policy other than noeviction); start-up refuses one otherwise.
   */
  ALLOW_VOLATILE_REDIS: booleanFromEnv.default(false),
} as const;

/** Public on purpose: only for development and tests, where secrets are throwaway. */
export const developmentSecretEncryptionKey = 'leadrelay-development-only-encryption-key';

type CommonEnv = { NODE_ENV: string; SECRET_ENCRYPTION_KEY?: string | undefined };

/** Adds the production-only requirements that a plain shape cannot express. */
export function refineProductionSecrets(env: CommonEnv, ctx: z.RefinementCtx, required: string[]): void {
  if (env.NODE_ENV !== 'production') return;
  for (const name of required) {
    if (!(env as Record<string, unknown>)[name]) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'is required when NODE_ENV=production' });
    }
  }
}
