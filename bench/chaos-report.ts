import type { ChaosRunReport } from './chaos-run.ts';
import { chaosViolations } from './chaos-verdict.ts';

/** The run's figures and findings as lines for a terminal; the last says whether every promise held. */
export function formatChaosReport(report: ChaosRunReport): string[] {
  const { verdict } = report;
  const killsByApp = new Map<string, number>();
  for (const kill of report.kills) killsByApp.set(kill.app, (killsByApp.get(kill.app) ?? 0) + 1);
  const violations = chaosViolations(verdict);
  return [
    `pnpm chaos: seed ${report.seed}, ${report.durationMs / 1000} s of leads, a SIGKILL every ${report.killIntervalMs / 1000} s`,
    `  kills                        ${report.kills.length} (${[...killsByApp].map(([app, count]) => `${app} ${count}`).join(', ')}): ${report.kills.map((kill) => kill.instance).join(' ')}`,
    `  submissions acknowledged     ${verdict.acknowledgedSubmissions} (new leads ${verdict.acknowledgedLeads}); no answer ${verdict.uncertainSubmissions}; not sent (intake down) ${report.requestsNotSent}`,
    `  stored                       ${verdict.storedLeads} leads, ${verdict.storedSubmissions} submissions`,
    `  events                       ${verdict.events}, webhook requests ${verdict.webhookRequests}, duplicates ${verdict.duplicateDeliveries} (${verdict.messagesReceivedTwiceOrMore} message ids received more than once)`,
    `  order                        ${verdict.orderedPairs} consecutive event pairs; reversed after a worker or dispatcher kill ${verdict.inversionsAfterKill.length}, reversed without one ${verdict.inversionsWithoutKill.length}`,
    `  drained                      ${report.drained ? 'yes' : 'NO'} after ${(report.drainMs / 1000).toFixed(1)} s`,
    ...(violations.length === 0 ? ['  every promise held'] : violations.map((line) => `  VIOLATION ${line}`)),
  ];
}
