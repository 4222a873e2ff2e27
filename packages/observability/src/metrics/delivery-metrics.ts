import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './registry.ts';

const deliveryAttemptsTotal = new Counter({
  name: 'leadrelay_delivery_attempts_total',
  help: 'Webhook delivery attempts, by outcome (delivered, retrying, failed, stopped, gone, ...)',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});

const deliveryAttemptDurationSeconds = new Histogram({
  name: 'leadrelay_delivery_attempt_duration_seconds',
  help: 'Time of one webhook POST, by destination id and outcome',
  // One series set per destination: destinations are operator-registered, so the count stays small.
  labelNames: ['destination_id', 'outcome'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/** Records one delivery attempt to a destination: its outcome and how long the HTTP exchange took. */
export function recordDeliveryAttempt(destinationId: string, outcome: string, durationMs: number): void {
  deliveryAttemptsTotal.inc({ outcome });
  deliveryAttemptDurationSeconds.observe({ destination_id: destinationId, outcome }, durationMs / 1000);
}

const destinationsAutoDisabledTotal = new Counter({
  name: 'leadrelay_destinations_auto_disabled_total',
  help: 'Destinations the dispatcher disabled by itself: failing longer than DISPATCH_AUTO_DISABLE_AFTER, or answered 410 Gone',
  registers: [metricsRegistry],
});

/** Counts one destination the dispatcher disabled (not an operator). */
export function recordDestinationAutoDisabled(): void {
  destinationsAutoDisabledTotal.inc();
}
