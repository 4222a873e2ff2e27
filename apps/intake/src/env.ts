import { z } from 'zod';
import {
  commonEnvShape,
  durationMsFromEnv,
  loadEnv,
  portFromEnv,
  refineProductionSecrets,
  secretEncryptionKeysOf,
  suppressionHashKeyOf,
  suppressionHashKeyShape,
} from '@leadrelay/config';
import { defaultHttpConnectionLimits } from '@leadrelay/http-kit';

const positiveDurationMs = durationMsFromEnv.refine((ms) => ms > 0, 'must be longer than 0');

export const IntakeEnvSchema = z
  .object({
    ...commonEnvShape,
    ...suppressionHashKeyShape,
    INTAKE_PORT: portFromEnv.default(3000),
    INTAKE_HOST: z.string().default('0.0.0.0'),
    /**
     * Port of intake's /metrics (with /healthz and /readyz), kept off the port partners reach:
     * request counts and timings are for our monitoring, not for them.
     */
    INTAKE_METRICS_PORT: portFromEnv.default(3004),
    /** Largest request body accepted, in bytes (default 1 MiB). */
    INTAKE_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
    /**
     * Time a client has to send a request's headers, and its whole request (body included): a
     * partner behind a slow network gets this long, a client that trickles bytes to hold a
     * connection is answered 408 and cut off. Not the time intake takes to answer.
     */
    INTAKE_HEADERS_TIMEOUT: positiveDurationMs.default(defaultHttpConnectionLimits.headersTimeoutMs),
    INTAKE_REQUEST_TIMEOUT: positiveDurationMs.default(defaultHttpConnectionLimits.requestTimeoutMs),
    /** How long an idle keep-alive connection is kept for the partner's next request. */
    INTAKE_KEEP_ALIVE_TIMEOUT: positiveDurationMs.default(defaultHttpConnectionLimits.keepAliveTimeoutMs),
    /** Connections one intake process holds at most (idle keep-alive ones included); more are closed at once. */
    INTAKE_MAX_CONNECTIONS: z.coerce.number().int().positive().default(defaultHttpConnectionLimits.maxConnections),
    /** How long a partner's settings are cached before intake reads them again. */
    PARTNER_CACHE_TTL: durationMsFromEnv.default(5_000),
    /**
     * While PostgreSQL is unreachable, how old a known partner's cached settings may be and still
     * be used (its leads only need Redis); past it, and for keys or slugs not cached, intake answers 503.
     */
    PARTNER_CACHE_MAX_STALE: durationMsFromEnv.default(600_000),
    /** How far a hotwire MD5 signature's timestamp may be from our clock, either way. */
    HOTWIRE_SIGNATURE_WINDOW: durationMsFromEnv.default(300_000),
    /**
     * Replicas that must hold a lead's job before intake acknowledges it (Redis WAIT; 0: do not
     * wait). With a Sentinel set, or a cluster whose primaries have a replica each (the WAIT goes
     * to the primary of the queues' slot), 1 keeps an acknowledged lead through a failover, at the
     * price of a replication round trip per group commit (README, Scaling: Redis Cluster and Sentinel).
     */
    REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).default(0),
    /** How long intake waits for them; past it the request is answered 503 (retry). */
    REDIS_WAIT_TIMEOUT: positiveDurationMs.refine((ms) => ms <= 1_500, "at most 1.5s (intake's Redis commands time out after 2 s)").default(1_000),
    /** Requests a minute per partner when the partner sets no limit of its own. */
    DEFAULT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1000),
  })
  .superRefine((env, ctx) => {
    refineProductionSecrets(env, ctx, ['SUPPRESSION_HASH_KEY']);
    // Node refuses a headers timeout longer than the request timeout (the headers are part of it).
    if (env.INTAKE_HEADERS_TIMEOUT > env.INTAKE_REQUEST_TIMEOUT) {
      ctx.addIssue({ code: 'custom', path: ['INTAKE_HEADERS_TIMEOUT'], message: 'must not be longer than INTAKE_REQUEST_TIMEOUT' });
    }
  })
  .transform((env, ctx) => ({ ...env, SECRET_ENCRYPTION_KEYS: secretEncryptionKeysOf(env, ctx), SUPPRESSION_HASH_KEY: suppressionHashKeyOf(env) }));

export type IntakeEnv = z.output<typeof IntakeEnvSchema>;

export function loadIntakeEnv(): IntakeEnv {
  return loadEnv(IntakeEnvSchema);
}
