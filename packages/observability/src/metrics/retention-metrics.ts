import { Counter } from 'prom-client';
import { metricsRegistry } from './registry.ts';

/**
 * What the worker's retention sweep removes: `raw_submissions` (payloads), `event_documents` (the
 * body deliveries send), `attempt_responses` (answers' first 1 KiB), `failed_jobs` and
 * `completed_jobs` (in Redis).
 */
export const retentionKinds = ['raw_submissions', 'event_documents', 'attempt_responses', 'failed_jobs', 'completed_jobs', 'leads'] as const;
export type RetentionKind = (typeof retentionKinds)[number];

const retentionSweptTotal = new Counter({
  name: 'leadrelay_retention_swept_total',
  help: 'Rows whose content the retention sweep removed (or Redis jobs it removed), by kind',
  labelNames: ['kind'],
  registers: [metricsRegistry],
});
// Every kind at 0 from the start: increase() needs a first sample before the first sweep.
for (const kind of retentionKinds) retentionSweptTotal.inc({ kind }, 0);

/** Counts what one statement of the retention sweep removed. */
export function recordRetentionSwept(kind: RetentionKind, count: number): void {
  retentionSweptTotal.inc({ kind }, count);
}
