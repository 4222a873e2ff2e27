import { z } from 'zod';
import { commonEnvShape, durationMsFromEnv, loadEnv, portFromEnv } from '@leadrelay/config';

export const WorkerEnvSchema = z.object({
  ...commonEnvShape,
  /** Leads persisted at once by one worker process. */
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(50),
  /** How often committed events that never reached Redis are looked for and enqueued. */
  OUTBOX_SWEEP_INTERVAL: durationMsFromEnv.default(5_000),
  /** Port of the worker's own /healthz, /readyz and /metrics (0 picks a free one). */
  WORKER_HEALTH_PORT: portFromEnv.default(3002),
});

export type WorkerEnv = z.output<typeof WorkerEnvSchema>;

export function loadWorkerEnv(): WorkerEnv {
  return loadEnv(WorkerEnvSchema);
}
