import type { Command } from 'commander';
import { answerOf, type AdminAnswer } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { parsePositiveInteger, parseSince } from '../option-parsers.ts';
import { renderTable, type Column } from '../text-layout.ts';

type AuditEntry = AdminAnswer<'listAuditLog'>['entries'][number];

const entryColumns: Column<AuditEntry>[] = [
  { header: 'TIME', value: (entry) => entry.createdAt },
  { header: 'ACTOR', value: (entry) => (entry.actor.kind === 'operator' ? entry.actor.name : `(${entry.actor.kind})`), maxWidth: 30 },
  { header: 'ACTION', value: (entry) => entry.action, maxWidth: 60 },
  { header: 'TARGET', value: (entry) => entry.targetId },
  { header: 'STATUS', value: (entry) => entry.statusCode },
  { header: 'IP', value: (entry) => entry.ip },
];

interface AuditLogOptions {
  actor?: string;
  target?: string;
  action?: string;
  since?: string;
  limit?: number;
  cursor?: string;
}

export function registerAuditLogCommand(program: Command, contextOf: CommandContextFactory): void {
  program
    .command('audit-log')
    .description('list the changes made through the admin API, newest first: who, what, which target, when, from where, and the answer')
    .option('--actor <actor>', 'an operator id or name (bootstrap for ADMIN_TOKEN)')
    .option('--target <id>', 'the id a change was about')
    .option('--action <operationId>', 'e.g. createPartner, rotateDestinationSecret')
    .option('--since <time>', 'made since: ISO 8601 or a time ago (90m, 24h, 7d)', (value: string) => parseSince(value))
    .option('--limit <n>', 'entries per page', parsePositiveInteger)
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (options: AuditLogOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const query = { actor: options.actor, target: options.target, action: options.action, since: options.since, limit: options.limit, cursor: options.cursor };
      const page = await answerOf(client.GET('/v1/audit-log', { params: { query } }));
      output.result(page, (answer) => {
        if (answer.entries.length === 0) return 'No audit entries found.\n';
        const more = answer.nextCursor ? `More: --cursor ${answer.nextCursor}\n` : '';
        return renderTable(entryColumns, answer.entries) + more;
      });
    });
}
