/**
 * One percentile of the end-to-end latency, as bounds: leads not delivered by the end of the
 * phase have waited at least until then, but how much longer is unknown. When every lead
 * arrived, both bounds are the same exact value.
 */
export interface LatencyPercentile {
  /** The percentile if every undelivered lead had arrived at the deadline. */
  atLeastMs: number;
  /** The percentile if undelivered leads never arrive; undefined when it falls on one of them. */
  atMostMs: number | undefined;
}

export interface EndToEndLatency {
  p50: LatencyPercentile | undefined;
  p99: LatencyPercentile | undefined;
  acceptedLeadCount: number;
  deliveredLeadCount: number;
}

/**
 * Latency from intake's answer to the receiver's first arrival, over every lead intake accepted
 * in the phase. Undelivered leads are kept in (as bounds) rather than dropped, which would
 * flatter the percentiles exactly when the pipeline falls behind.
 */
export function endToEndLatency(
  answeredAtMsById: ReadonlyMap<string, number>,
  arrivedAtMsById: ReadonlyMap<string, number>,
  deadlineMs: number,
): EndToEndLatency {
  const delivered: number[] = [];
  const waitedSoFar: number[] = [];
  for (const [id, answeredAtMs] of answeredAtMsById) {
    const arrivedAtMs = arrivedAtMsById.get(id);
    // A delivery can beat autocannon reading the answer by a hair; that is 0, not negative.
    if (arrivedAtMs === undefined) waitedSoFar.push(deadlineMs - answeredAtMs);
    else delivered.push(Math.max(0, arrivedAtMs - answeredAtMs));
  }
  const ascending = (left: number, right: number) => left - right;
  delivered.sort(ascending);
  const lowerBounds = [...delivered, ...waitedSoFar].sort(ascending);
  const percentile = (fraction: number): LatencyPercentile | undefined => {
    if (lowerBounds.length === 0) return undefined;
    const rank = Math.min(lowerBounds.length - 1, Math.ceil(fraction * lowerBounds.length) - 1);
    return { atLeastMs: lowerBounds[rank]!, atMostMs: delivered[rank] };
  };
  return {
    p50: percentile(0.5),
    p99: percentile(0.99),
    acceptedLeadCount: answeredAtMsById.size,
    deliveredLeadCount: delivered.length,
  };
}
