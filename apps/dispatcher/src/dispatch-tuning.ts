/**
 * The dispatcher's fixed tuning: how long things may wait, and how many run at once. Settings an
 * operator changes are in env.ts; these are the ones the design relies on.
 */
export const dispatchTuning = {
  /**
   * Added to a request's timeout for the life of its slot lease, so the lease outlasts the request
   * (the slot is given back once the receiver answers) even with a slow Redis round trip.
   */
  leaseGraceMs: 5_000,
  /** A first attempt waits this long in this process for a slot of a full destination, then parks. */
  firstAttemptSlotWait: { waitMs: 2_000, maxWaiting: 5_000 },
  /** A first attempt not started this long after its fan-out job (slot and place) goes to a delivery job instead. */
  firstAttemptStartWindowMs: 5_000,
  /** Time allowed after a request's timeout to record its attempt, before the fan-out job's `settle-fan-out` job looks. */
  recordAllowanceMs: 5_000,
  /**
   * First attempts taken on at once per DISPATCHER_CONCURRENCY place (in flight, or waiting for a
   * slot or a place): fan-out jobs wait for room beyond that, so a backlog stays in Redis, not here.
   */
  firstAttemptsTakenOnPerPlace: 2,
  /** A job parked for a slot runs again after this even if no promotion reaches it. */
  parkSafetyDelayMs: 30_000,
  /** A delivery stops waiting for an earlier one of its lead after this; see README, "Order". */
  orderWaitLimitMs: 15 * 60_000,
  /** When this process cannot reach PostgreSQL or Redis, a delivery is tried again after this. */
  infrastructureRetryDelayMs: 5_000,
  /**
   * Fan-out jobs run at once in this process. A job holds a place only while it fans out and reads
   * its deliveries (PostgreSQL), never while a receiver answers (see FirstAttempts).
   */
  fanOutJobConcurrency: 8,
} as const;
