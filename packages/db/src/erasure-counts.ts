/**
 * What an erasure removed, per kind, as `erasures.counts` holds it and GET /v1/erasures/:id shows
 * it: leads made tombstones, raw and pending submissions emptied, consents and activities
 * deleted, event documents removed, deliveries stopped, attempt answers removed, Redis keys
 * (identity claims) deleted, and queued jobs (waiting, delayed, failed, completed) that carried
 * the person removed or rewritten without them.
 */
export const erasureCountKinds = ['leads', 'submissions', 'consents', 'activities', 'events', 'deliveries', 'attempts', 'redisKeys', 'queuedJobs'] as const;
export type ErasureCountKind = (typeof erasureCountKinds)[number];
export type ErasureCounts = Record<ErasureCountKind, number>;

/** `stored` (the column's JSON, possibly partial) plus `added`, every kind present. */
export function addErasureCounts(stored: unknown, added: Partial<ErasureCounts> = {}): ErasureCounts {
  const base = (stored ?? {}) as Partial<ErasureCounts>;
  return Object.fromEntries(erasureCountKinds.map((kind) => [kind, (base[kind] ?? 0) + (added[kind] ?? 0)])) as ErasureCounts;
}

/**
 * The last error of a delivery an erasure stopped before it was made (status `stopped`). The
 * dispatcher keeps a delivery with it stopped, and records no answer for it, even when an attempt
 * under way when the erasure ran ends afterwards.
 */
export const erasedDeliveryReason = 'erased: the lead was erased (POST /v1/erasures); it is never sent';
