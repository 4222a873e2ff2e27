import { z } from 'zod';
import {
  booleanFromEnv,
  commonEnvShape,
  durationListMsFromEnv,
  durationMsFromEnv,
  loadEnv,
  portFromEnv,
  refineProductionSecrets,
} from '@leadrelay/config';

export const DispatcherEnvSchema = z
  .object({
    ...commonEnvShape,
    /** Waits before attempts 2 to 8 (seed 003): 10m,10m,10m,30m,1h,2h,4h. */
    DISPATCH_RETRY_SCHEDULE: durationListMsFromEnv.default([600_000, 600_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000]),
    /** Deliveries in flight at once in this process, over all destinations. */
    DISPATCHER_CONCURRENCY: z.coerce.number().int().positive().default(100),
    /** Per-request timeout when a destination sets none. */
    DISPATCH_TIMEOUT: durationMsFromEnv.default(10_000),
    /** Allow destinations on loopback, private, link-local or metadata addresses. */
    ALLOW_PRIVATE_DESTINATIONS: booleanFromEnv.optional(),
    DISPATCHER_HEALTH_PORT: portFromEnv.default(3003),
  })
  .superRefine((env, ctx) => refineProductionSecrets(env, ctx, ['SECRET_ENCRYPTION_KEY']))
  .transform((env) => ({
    ...env,
    ALLOW_PRIVATE_DESTINATIONS: env.ALLOW_PRIVATE_DESTINATIONS ?? env.NODE_ENV !== 'production',
  }));

export type DispatcherEnv = z.output<typeof DispatcherEnvSchema>;

export function loadDispatcherEnv(): DispatcherEnv {
  return loadEnv(DispatcherEnvSchema);
}
