import type { Command } from 'commander';
import { answerOf, type AdminAnswer } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { parsePositiveInteger } from '../option-parsers.ts';
import { renderFields, renderTable, type Column } from '../text-layout.ts';

type Subscriber = AdminAnswer<'getSubscriber'>;

type SubscriberWithKey = AdminAnswer<'createSubscriber', 201>;

const subscriberColumns: Column<Subscriber>[] = [
  { header: 'ID', value: (subscriber) => subscriber.id },
  { header: 'NAME', value: (subscriber) => subscriber.name, maxWidth: 40 },
  { header: 'KEY', value: (subscriber) => `${subscriber.apiKeyPrefix}…` },
  { header: 'DESTINATIONS', value: (subscriber) => `${subscriber.destinationCount}/${subscriber.maxDestinations}` },
  { header: 'STATUS', value: (subscriber) => (subscriber.disabled ? `disabled ${subscriber.disabledAt}` : 'active') },
  { header: 'CREATED', value: (subscriber) => subscriber.createdAt },
];

function subscriberFields(subscriber: Subscriber): string {
  return renderFields([
    ['id', subscriber.id],
    ['name', subscriber.name],
    ['contact', subscriber.contactEmail ?? '-'],
    ['key', `${subscriber.apiKeyPrefix}…`],
    ['destinations', `${subscriber.destinationCount} of at most ${subscriber.maxDestinations}`],
    ['status', subscriber.disabled ? `disabled since ${subscriber.disabledAt}` : 'active'],
    ['created', subscriber.createdAt],
  ]);
}

function keyText(subscriber: SubscriberWithKey, heading: string): string {
  return (
    `${heading}\n` +
    renderFields([['id', subscriber.id], ['name', subscriber.name], ['api key', subscriber.apiKey]]) +
    'Give the key to the CRM now: it is not shown again.\n'
  );
}

export function registerSubscribersCommands(program: Command, contextOf: CommandContextFactory): void {
  const subscribers = program.command('subscribers').description('CRMs that register and run their own destinations in the portal');

  subscribers
    .command('create')
    .description('register a CRM; prints its portal key once')
    .requiredOption('--name <name>', 'the CRM, as operators and the audit log name it')
    .option('--contact-email <email>', 'whom operators contact about it')
    .option('--max-destinations <n>', 'destinations it may register itself (default 10)', parsePositiveInteger)
    .action(async (options: { name: string; contactEmail?: string; maxDestinations?: number }, command: Command) => {
      const { client, output } = contextOf(command);
      const body = { name: options.name, contactEmail: options.contactEmail, maxDestinations: options.maxDestinations };
      const subscriber = await answerOf(client.POST('/v1/subscribers', { body }));
      output.result(subscriber, (created) => keyText(created, `Subscriber ${created.name} created.`));
    });

  subscribers
    .command('list')
    .description('list subscribers (never their keys)')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await answerOf(client.GET('/v1/subscribers'));
      output.result(answer, ({ subscribers: rows }) => (rows.length === 0 ? 'No subscribers yet.\n' : renderTable(subscriberColumns, rows)));
    });

  subscribers
    .command('show')
    .description('show one subscriber')
    .argument('<id>', 'subscriber id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const subscriber = await answerOf(client.GET('/v1/subscribers/{id}', { params: { path: { id } } }));
      output.result(subscriber, subscriberFields);
    });

  subscribers
    .command('rotate')
    .description("replace a subscriber's key; the old one stops working at once")
    .argument('<id>', 'subscriber id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const subscriber = await answerOf(client.POST('/v1/subscribers/{id}/rotate-key', { params: { path: { id } } }));
      output.result(subscriber, (rotated) => keyText(rotated, `New key for ${rotated.name}; the old one no longer works.`));
    });

  subscribers
    .command('disable')
    .description("refuse a subscriber's key and keep its destinations' new deliveries paused")
    .argument('<id>', 'subscriber id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const subscriber = await answerOf(client.POST('/v1/subscribers/{id}/disable', { params: { path: { id } } }));
      output.result(subscriber, (disabled) => `Subscriber ${disabled.name} (${disabled.id}) disabled.\n`);
    });

  subscribers
    .command('enable')
    .description('enable a subscriber and send the paused deliveries of its destinations')
    .argument('<id>', 'subscriber id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const subscriber = await answerOf(client.POST('/v1/subscribers/{id}/enable', { params: { path: { id } } }));
      output.result(subscriber, (enabled) => `Subscriber ${enabled.name} enabled; ${enabled.resumedDeliveries} paused deliveries are being sent.\n`);
    });
}
