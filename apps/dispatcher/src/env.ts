import { z } from 'zod';
import {
  booleanFromEnv,
  commonEnvShape,
  durationListMsFromEnv,
  durationMsFromEnv,
  loadEnv,
  portFromEnv,
  secretEncryptionKeysOf,
} from '@leadrelay/config';
import { deliveryJobAttemptCeiling } from '@leadrelay/queue';

export const DispatcherEnvSchema = z
  .object({
    ...commonEnvShape,
    /** Waits before attempts 2 to 8 (seed 003): 10m,10m,10m,30m,1h,2h,4h. */
    DISPATCH_RETRY_SCHEDULE: durationListMsFromEnv
      .default([600_000, 600_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000])
      .refine((delaysMs) => delaysMs.length < deliveryJobAttemptCeiling, `at most ${deliveryJobAttemptCeiling - 1} waits`),
    /**
     * Deliveries in flight at once in this process, over all destinations. Most of them wait for a
     * shared SQL statement or Redis round trip, so more in flight make larger batches (MicroBatcher).
     */
    DISPATCHER_CONCURRENCY: z.coerce.number().int().positive().default(200),
    /** A destination whose deliveries have failed without a single success for this long is disabled. */
    DISPATCH_AUTO_DISABLE_AFTER: durationMsFromEnv.default(86_400_000),
    /**
     * How long a delivery held by a dispatcher that stopped without finishing it (killed, frozen)
     * waits before another dispatcher takes it over: BullMQ's lock duration and stalled check.
     */
    DISPATCH_STALLED_AFTER: durationMsFromEnv.default(30_000),
    /** Allow destinations on loopback, private, link-local or metadata addresses. */
    ALLOW_PRIVATE_DESTINATIONS: booleanFromEnv.optional(),
    DISPATCHER_HEALTH_PORT: portFromEnv.default(3003),
  })
  .transform((env, ctx) => ({
    ...env,
    SECRET_ENCRYPTION_KEYS: secretEncryptionKeysOf(env, ctx),
    ALLOW_PRIVATE_DESTINATIONS: env.ALLOW_PRIVATE_DESTINATIONS ?? env.NODE_ENV !== 'production',
  }));

export type DispatcherEnv = z.output<typeof DispatcherEnvSchema>;

export function loadDispatcherEnv(): DispatcherEnv {
  return loadEnv(DispatcherEnvSchema);
}
