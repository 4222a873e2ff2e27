import type { LatencyPercentile } from './end-to-end-latency.ts';

const wholeNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A rate or count with thousands separators, e.g. `12,345`. */
export function formatCount(value: number): string {
  return wholeNumber.format(value);
}

/** Milliseconds with one decimal below 100 ms, whole above; seconds from 10 s on. */
export function formatMilliseconds(milliseconds: number): string {
  if (milliseconds >= 10_000) return `${(milliseconds / 1000).toFixed(1)} s`;
  return milliseconds >= 100 ? `${Math.round(milliseconds)} ms` : `${milliseconds.toFixed(1)} ms`;
}

/** A stage's figure divided by its bare limit, e.g. `0.27`. */
export function formatRatio(measured: number, limit: number): string {
  if (!(limit > 0)) return 'n/a';
  return (measured / limit).toFixed(2);
}

/** An end-to-end percentile: exact, a range when some leads had not arrived, or `>` when it is unknown how late. */
export function formatLatencyPercentile(percentile: LatencyPercentile | undefined): string {
  if (!percentile) return 'n/a';
  if (percentile.atMostMs === undefined) return `> ${formatMilliseconds(percentile.atLeastMs)}`;
  if (percentile.atMostMs === percentile.atLeastMs) return formatMilliseconds(percentile.atLeastMs);
  return `${formatMilliseconds(percentile.atLeastMs)}..${formatMilliseconds(percentile.atMostMs)}`;
}

/** Bytes as MiB, e.g. `182 MiB`. */
export function formatMebibytes(bytes: number | undefined): string {
  return bytes === undefined ? 'unknown' : `${Math.round(bytes / 1_048_576)} MiB`;
}
