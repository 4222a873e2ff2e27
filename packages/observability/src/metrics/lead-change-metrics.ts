import { Counter } from 'prom-client';
import { metricsRegistry } from './registry.ts';

const refusedLeadChangesTotal = new Counter({
  name: 'leadrelay_lead_changes_refused_total',
  help: "Updates and activities refused because the partner may not change another partner's lead, by route and stage (intake, worker)",
  labelNames: ['route', 'stage'],
  registers: [metricsRegistry],
});

/** Counts one refused change of a lead: `route` is the contract's route, `stage` the app that refused it. */
export function recordRefusedLeadChange(route: string, stage: 'intake' | 'worker' = 'intake'): void {
  refusedLeadChangesTotal.inc({ route, stage });
}
