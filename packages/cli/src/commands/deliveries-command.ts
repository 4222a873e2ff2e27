import { Option, type Command } from 'commander';
import { answerOf, type AdminAnswer } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { exitCodes } from '../exit-codes.ts';
import { parsePositiveInteger, parseSince } from '../option-parsers.ts';
import { renderObject, renderTable, type Column } from '../text-layout.ts';

type Delivery = AdminAnswer<'getDelivery'>;

type DeliveryRow = AdminAnswer<'listDeliveries'>['deliveries'][number];

type Attempt = Delivery['attempts'][number];

const deliveryColumns: Column<DeliveryRow>[] = [
  { header: 'ID', value: (delivery) => delivery.id },
  { header: 'STATUS', value: (delivery) => delivery.status },
  { header: 'ATTEMPTS', value: (delivery) => delivery.attemptCount },
  { header: 'EVENT', value: (delivery) => delivery.eventType },
  { header: 'LEAD', value: (delivery) => delivery.leadId },
  { header: 'DESTINATION', value: (delivery) => delivery.destinationId },
  { header: 'CREATED', value: (delivery) => delivery.createdAt },
  { header: 'NEXT ATTEMPT', value: (delivery) => delivery.nextAttemptAt },
  { header: 'LAST ERROR', value: (delivery) => delivery.lastError, maxWidth: 50 },
];

const attemptColumns: Column<Attempt>[] = [
  { header: '#', value: (attempt) => attempt.number },
  { header: 'STARTED', value: (attempt) => attempt.startedAt },
  { header: 'MS', value: (attempt) => attempt.durationMs },
  { header: 'STATUS', value: (attempt) => attempt.statusCode },
  { header: 'ERROR', value: (attempt) => attempt.error },
];

function deliveryText(delivery: Delivery): string {
  const { attempts, ...fields } = delivery;
  const attemptText = attempts && attempts.length > 0 ? `\nAttempts (${attempts.length})\n${renderTable(attemptColumns, attempts)}` : '';
  return renderObject(fields as Record<string, unknown>) + attemptText;
}

interface ListOptions {
  destination?: string;
  status?: DeliveryRow['status'];
  since?: string;
  limit?: number;
  cursor?: string;
}

export function registerDeliveriesCommands(program: Command, contextOf: CommandContextFactory): void {
  const deliveries = program.command('deliveries').description('webhook deliveries to destinations, and their replay');

  deliveries
    .command('list')
    .description('list deliveries, newest first')
    .option('--destination <id>', 'only to this destination')
    .addOption(new Option('--status <status>', 'only in this status').choices(['pending', 'delivered', 'failed', 'stopped', 'paused']))
    .option('--since <time>', 'created since: ISO 8601 or a time ago (90m, 24h, 7d)', (value: string) => parseSince(value))
    .option('--limit <n>', 'deliveries per page', parsePositiveInteger)
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (options: ListOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const query = {
        destinationId: options.destination,
        status: options.status,
        since: options.since,
        limit: options.limit,
        cursor: options.cursor,
      };
      const page = await answerOf(client.GET('/v1/deliveries', { params: { query } }));
      output.result(page, (answer) => {
        if (answer.deliveries.length === 0) return 'No deliveries found.\n';
        const more = answer.nextCursor ? `More: --cursor ${answer.nextCursor}\n` : '';
        return renderTable(deliveryColumns, answer.deliveries) + more;
      });
    });

  deliveries
    .command('show')
    .description('show a delivery with its attempts')
    .argument('<id>', 'delivery id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const delivery = await answerOf(client.GET('/v1/deliveries/{id}', { params: { path: { id } } }));
      output.result(delivery, deliveryText);
    });

  deliveries
    .command('replay')
    .description('send a delivery again with the same message id, or every failed or paused delivery of a destination since a time')
    .argument('[id]', 'delivery id')
    .option('--destination <id>', 'replay this destination\'s failed and paused deliveries (with --since)')
    .option('--since <time>', 'ISO 8601 or a time ago (90m, 24h, 7d)', (value: string) => parseSince(value))
    .addHelpText('after', '\nExamples:\n  pnpm leadrelay deliveries replay 3f1c…\n  pnpm leadrelay deliveries replay --destination 9a2b… --since 24h\n')
    .action(async (id: string | undefined, options: { destination?: string; since?: string }, command: Command) => {
      const { client, output } = contextOf(command);
      if (id !== undefined && options.destination === undefined && options.since === undefined) {
        const delivery = await answerOf(client.POST('/v1/deliveries/{id}/replay', { params: { path: { id } } }));
        output.result(delivery, (replayed) => `Delivery ${replayed.id} queued again (message id ${replayed.messageId}).\n`);
        return;
      }
      if (id !== undefined || options.destination === undefined || options.since === undefined) {
        command.error('error: give either a delivery id, or --destination <id> with --since <time>', { exitCode: exitCodes.usage });
      }
      const answer = await answerOf(
        client.POST('/v1/destinations/{id}/replay', { params: { path: { id: options.destination! } }, body: { since: options.since! } }),
      );
      output.result(
        answer,
        ({ replayed, contentExpired }) =>
          `${replayed} failed or paused deliveries of destination ${options.destination} queued again.\n` +
          (contentExpired > 0 ? `${contentExpired} left out: retention removed the document they send.\n` : ''),
      );
    });
}
