import { InvalidArgumentError, Option, type Command } from 'commander';
import { answerOf, type AdminAnswer, type AdminRequestBody } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { CommandFailedError } from '../command-failed-error.ts';
import { parseList, parsePositiveInteger } from '../option-parsers.ts';
import { renderFields, renderTable, type Column } from '../text-layout.ts';

type Destination = AdminAnswer<'getDestination'>;

type DestinationMode = Destination['mode'];

type EventType = NonNullable<AdminRequestBody<'createDestination'>['events']>[number];

const destinationColumns: Column<Destination>[] = [
  { header: 'ID', value: (destination) => destination.id },
  { header: 'NAME', value: (destination) => destination.name, maxWidth: 30 },
  { header: 'URL', value: (destination) => destination.url },
  { header: 'EVENTS', value: (destination) => destination.events.join(',') },
  { header: 'SOURCES', value: (destination) => (destination.sources.length === 0 ? '(all)' : destination.sources.join(',')), maxWidth: 30 },
  { header: 'MODE', value: (destination) => destination.mode },
  { header: 'STATUS', value: (destination) => statusOf(destination), maxWidth: 50 },
];

function statusOf(destination: Destination): string {
  if (destination.enabled) return 'enabled';
  return destination.disabledReason ? `disabled: ${destination.disabledReason}` : 'disabled';
}

const eventTypes: EventType[] = ['created', 'updated', 'activity_added'];

function parseEventTypes(value: string): EventType[] {
  const events = parseList(value);
  const unknown = events.filter((event) => !(eventTypes as string[]).includes(event));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown event ${unknown.join(', ')}; expected ${eventTypes.join(', ')}`);
  return events as EventType[];
}

interface AddOptions {
  name: string;
  url: string;
  secret?: string;
  partnerId?: string;
  events?: EventType[];
  sources?: string[];
  timeoutMs?: number;
  maxConcurrency?: number;
}

export function registerDestinationsCommands(program: Command, contextOf: CommandContextFactory): void {
  const destinations = program.command('destinations').description('CRMs that receive signed lead webhooks');

  destinations
    .command('add')
    .description('register a destination; prints its signing secret once')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--url <url>', 'http(s) URL that receives the POSTs')
    .option('--secret <secret>', 'signing secret, 1 to 256 bytes; under 16 is weak and warned about (default: generated)')
    .option('--partner-id <id>', 'the receiver\'s own account id, sent as `partner_id`')
    .option('--events <list>', 'comma-separated: created,updated,activity_added (default: all)', parseEventTypes)
    .option('--sources <slugs>', 'comma-separated partner slugs (default: every partner)', parseList)
    .option('--timeout-ms <ms>', 'per-request timeout (default 10000)', parsePositiveInteger)
    .option('--max-concurrency <n>', 'requests in flight at once (default 10)', parsePositiveInteger)
    .action(async (options: AddOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const body = {
        name: options.name,
        url: options.url,
        secret: options.secret,
        partnerId: options.partnerId,
        events: options.events,
        sources: options.sources,
        timeoutMs: options.timeoutMs,
        maxConcurrency: options.maxConcurrency,
      };
      const destination = await answerOf(client.POST('/v1/destinations', { body }));
      output.result(
        destination,
        (added) =>
          `Destination ${added.name} added.\n` +
          renderFields([
            ['id', added.id],
            ['url', added.url],
            ['events', added.events.join(',')],
            ['sources', added.sources.length === 0 ? '(all)' : added.sources.join(',')],
            ['secret', added.secret],
          ]) +
          'Give the secret to the receiver now: it is not shown again.\n' +
          added.warnings.map((warning) => `warning: ${warning}\n`).join(''),
      );
    });

  destinations
    .command('list')
    .description('list every destination')
    .addOption(new Option('--mode <mode>', 'only destinations in this mode (pending_review: asking to go live)').choices(['test', 'pending_review', 'live']))
    .action(async (options: { mode?: DestinationMode }, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await answerOf(client.GET('/v1/destinations', { params: { query: { mode: options.mode } } }));
      output.result(answer, ({ destinations: rows }) => (rows.length === 0 ? 'No destinations yet.\n' : renderTable(destinationColumns, rows)));
    });

  destinations
    .command('test')
    .description('send a signed sample lead to a destination and show how it answered; exits 1 unless it answered 2xx')
    .argument('<id>', 'destination id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const result = await answerOf(client.POST('/v1/destinations/{id}/test', { params: { path: { id } } }));
      output.result(result, (tested) =>
        renderFields([
          ['accepted', tested.accepted ? 'yes' : 'no'],
          ['status', tested.statusCode],
          ['duration', `${tested.durationMs} ms`],
          ['error', tested.error],
          ['response', tested.responseBody],
          ['message id', tested.messageId],
        ]),
      );
      if (!result.accepted) {
        throw new CommandFailedError(`the destination did not accept the sample: ${result.error ?? `it answered ${result.statusCode}`}`);
      }
    });

  destinations
    .command('disable')
    .description('stop sending to a destination; its new deliveries wait as paused')
    .argument('<id>', 'destination id')
    .option('--reason <text>', 'why, shown in `destinations list`')
    .action(async (id: string, options: { reason?: string }, command: Command) => {
      const { client, output } = contextOf(command);
      const body = { reason: options.reason };
      const destination = await answerOf(client.POST('/v1/destinations/{id}/disable', { params: { path: { id } }, body }));
      output.result(destination, (changed) => `Destination ${changed.name} (${changed.id}) disabled.\n`);
    });

  destinations
    .command('enable')
    .description('send to a destination again, starting with its paused deliveries')
    .argument('<id>', 'destination id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const destination = await answerOf(client.POST('/v1/destinations/{id}/enable', { params: { path: { id } } }));
      output.result(
        destination,
        (changed) => `Destination ${changed.name} (${changed.id}) enabled; ${changed.resumedDeliveries} paused deliveries are being sent.\n`,
      );
    });

  destinations
    .command('approve')
    .description("connect a destination that asked to go live: it receives real leads with the client's Partner ID")
    .argument('<id>', 'destination id')
    .requiredOption('--partner-id <id>', "the client's account id in the CRM, sent as `partner_id`")
    .option('--sources <slugs>', 'comma-separated partner slugs whose leads it receives (default: unchanged)', parseList)
    .action(async (id: string, options: { partnerId: string; sources?: string[] }, command: Command) => {
      const { client, output } = contextOf(command);
      const body = { partnerId: options.partnerId, sources: options.sources };
      const destination = await answerOf(client.POST('/v1/destinations/{id}/approve', { params: { path: { id } }, body }));
      output.result(destination, (approved) => `Destination ${approved.name} is live, sending partner_id ${approved.partnerId}.\n`);
    });

  destinations
    .command('reject')
    .description('return a destination that asked to go live to test; the reason is shown to its subscriber')
    .argument('<id>', 'destination id')
    .requiredOption('--reason <text>', 'why, for the subscriber')
    .action(async (id: string, options: { reason: string }, command: Command) => {
      const { client, output } = contextOf(command);
      const destination = await answerOf(client.POST('/v1/destinations/{id}/reject', { params: { path: { id } }, body: { reason: options.reason } }));
      output.result(destination, (rejected) => `Destination ${rejected.name} is back in test: ${rejected.reviewNote}\n`);
    });
}
