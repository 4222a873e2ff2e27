import { z } from 'zod';
import { parseDurationListMs, parseDurationMs } from './duration.ts';
import { redisNodeListFromEnv } from './redis-target.ts';

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

/**
 * A duration as `durationMsFromEnv` reads it, or `off` (null): for a retention a deployment may
 * turn off, keeping that kind of data for good.
 */
export const durationOrOffMsFromEnv = z.string().transform((text, ctx): number | null => {
  if (text.trim().toLowerCase() === 'off') return null;
  try {
    const ms = parseDurationMs(text);
    if (ms > 0) return ms;
    ctx.addIssue({ code: 'custom', message: `"${text}" is no time at all (use off to keep the data for good)` });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message}, or off` });
  }
  return z.NEVER;
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

const secretEncryptionKeyMaterial = z.string().min(32, 'must be at least 32 characters');

/** A comma-separated list of keys (base64 and hex keys have no commas), spaces around them ignored. */
const secretEncryptionKeyListFromEnv = z
  .string()
  .transform((text) => text.split(',').map((key) => key.trim()))
  .pipe(
    z
      .array(secretEncryptionKeyMaterial)
      .refine((keys) => new Set(keys).size === keys.length, 'lists the same key twice'),
  );

export const portFromEnv = z.coerce.number().int().min(0).max(65535);

/** Where Redis is (read with redisTargetOf): one server, a Redis Cluster or a Sentinel set. */
export const redisTargetEnvShape = {
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  /**
   * A Redis Cluster: some of its nodes, `host:port,host:port` (the rest are discovered). When set
   * it wins over REDIS_URL, whose user, password and rediss:// TLS still apply to every node.
   */
  REDIS_CLUSTER_NODES: redisNodeListFromEnv.optional(),
  /**
   * A Sentinel set, `host:port,...`: the apps connect to the primary the sentinels name
   * REDIS_SENTINEL_NAME and follow it through a failover. REDIS_URL's user and password apply to
   * the primary. Ignored when REDIS_CLUSTER_NODES is set.
   */
  REDIS_SENTINELS: redisNodeListFromEnv.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
} as const;

/** The Redis variables alone, for a script that needs nothing else (pnpm start's check). */
export const RedisTargetEnvSchema = z.object(redisTargetEnvShape);

/** Variables every LeadRelay process reads. */
export const commonEnvShape = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` for people at a terminal, `json` for log shippers; default: pretty on a TTY. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  ...redisTargetEnvShape,
  DATABASE_URL: postgresUrl.default('postgresql://postgres@127.0.0.1:5432/leadrelay'),
  /** Prefix of every Redis key BullMQ and LeadRelay write; lets several systems share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9:_-]+$/, 'letters, digits, :, _ and - only').default('leadrelay'),
  /**
   * Intake's identity claims are spread over 2^IDENTITY_BUCKET_BITS Redis hashes (see the README's
   * scaling section for the value to pick; @leadrelay/lead's IdentityClaimLayout checks the range
   * and holds the default). Every intake and worker of a deployment must use the same value.
   */
  IDENTITY_BUCKET_BITS: z.coerce.number().int().optional(),
  /**
   * Keys that encrypt partner and destination secrets at rest, comma-separated, newest first: new
   * secrets are encrypted with the first, any listed key decrypts. Each at least 32 characters.
   * Required in production (or SECRET_ENCRYPTION_KEY); development uses a fixed, public one.
   */
  SECRET_ENCRYPTION_KEYS: secretEncryptionKeyListFromEnv.optional(),
  /** One key: the same as SECRET_ENCRYPTION_KEYS listing only it. */
  SECRET_ENCRYPTION_KEY: secretEncryptionKeyMaterial.optional(),
  /**
   * `true` lets a production process start on a Redis that can lose acknowledged leads (no AOF,
   * or an eviction policy other than noeviction); start-up refuses one otherwise.
   */
  ALLOW_VOLATILE_REDIS: booleanFromEnv.default(false),
} as const;

/** Public on purpose: only for development and tests, where secrets are throwaway. */
export const developmentSecretEncryptionKey = 'leadrelay-development-only-encryption-key';

interface SecretEncryptionKeyEnv {
  NODE_ENV: string;
  SECRET_ENCRYPTION_KEYS?: string[] | undefined;
  SECRET_ENCRYPTION_KEY?: string | undefined;
}

/**
 * The keys secrets are encrypted with, newest first, from SECRET_ENCRYPTION_KEYS or
 * SECRET_ENCRYPTION_KEY (a list of one); the development key outside production. For the
 * `transform` of the schema of every app that reads or writes secrets.
 */
export function secretEncryptionKeysOf(env: SecretEncryptionKeyEnv, ctx: z.RefinementCtx): string[] {
  if (env.SECRET_ENCRYPTION_KEYS && env.SECRET_ENCRYPTION_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['SECRET_ENCRYPTION_KEY'],
      message: 'set SECRET_ENCRYPTION_KEYS or SECRET_ENCRYPTION_KEY, not both (list this key in SECRET_ENCRYPTION_KEYS)',
    });
    return z.NEVER;
  }
  const keys = env.SECRET_ENCRYPTION_KEYS ?? (env.SECRET_ENCRYPTION_KEY ? [env.SECRET_ENCRYPTION_KEY] : undefined);
  if (keys) return keys;
  if (env.NODE_ENV === 'production') {
    ctx.addIssue({ code: 'custom', path: ['SECRET_ENCRYPTION_KEYS'], message: 'is required when NODE_ENV=production (or SECRET_ENCRYPTION_KEY)' });
    return z.NEVER;
  }
  return [developmentSecretEncryptionKey];
}

/** Public on purpose: only for development and tests. */
export const developmentSuppressionHashKey = 'leadrelay-development-only-suppression-key';

/**
 * SUPPRESSION_HASH_KEY, for the apps that hash emails and phones for the suppression list
 * (admin, intake, worker): every one of them must use the same key, or they disagree about who
 * is suppressed. Required in production (refineProductionSecrets); read it with
 * `suppressionHashKeyOf`. Changing it empties the list in effect: the stored hashes no longer match.
 */
export const suppressionHashKeyShape = {
  SUPPRESSION_HASH_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
} as const;

/** SUPPRESSION_HASH_KEY, or the development key outside production. */
export function suppressionHashKeyOf(env: { SUPPRESSION_HASH_KEY?: string | undefined }): string {
  return env.SUPPRESSION_HASH_KEY ?? developmentSuppressionHashKey;
}

type CommonEnv = { NODE_ENV: string };

/** Adds the production-only requirements that a plain shape cannot express. */
export function refineProductionSecrets(env: CommonEnv, ctx: z.RefinementCtx, required: string[]): void {
  if (env.NODE_ENV !== 'production') return;
  for (const name of required) {
    if (!(env as Record<string, unknown>)[name]) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'is required when NODE_ENV=production' });
    }
  }
}
