/** The figures the issues set for `pnpm bench` on this 2-core machine. */
export const benchTargets = {
  /** Issue 3: single-lead requests/s accepted by intake. */
  intakeSingleRequestsPerSecond: 15_000,
  /** Issue 3: leads/s accepted by intake in batches of 500. */
  intakeBatchLeadsPerSecond: 40_000,
  /** Issue 3: the fixed rate at which acknowledgement latency is judged... */
  acknowledgementRatePerSecond: 5_000,
  /** ...and the p99 it must stay under there. */
  acknowledgementP99Ms: 25,
  /** Issue 4: leads/s the worker persists, with dedupe. */
  workerPersistedLeadsPerSecond: 10_000,
  /** Issue 4: how much slower it may be with 1,000,000 leads already stored (20%). */
  workerStoredLeadsSlowdown: 0.2,
  /** Issue 5: deliveries/s to a local receiver. */
  dispatcherDeliveriesPerSecond: 5_000,
  /** Issue 14: the fixed rate of single-lead requests at which end-to-end latency is judged... */
  endToEndRatePerSecond: 1_000,
  /** ...and the p99, from intake's answer to the first arrival at the receiver, it must stay under there. */
  endToEndP99Ms: 250,
  /** Issue 14: in the batch phase, every accepted lead delivered this soon after the load stops. */
  batchDeliveredWithinSeconds: 5,
  /** Issue 14: the dispatcher's CPU per delivery, at most this many times a raw undici POST's (bench/dispatch.ts). */
  dispatcherCpuRatioToRawUndici: 3.5,
  /** Issue 14: peak RSS of every app under `pnpm bench`, in MiB. */
  appPeakRssMiB: 256,
  /** Issue 12: Redis memory per stored identity (an email or a phone), in bytes, at 1,000,000 leads. */
  redisBytesPerIdentity: 64,
} as const;

/** Leads per request in the batch phase (issue 3's batches of 500). */
export const batchSize = 500;
