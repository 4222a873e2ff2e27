import type { Command } from 'commander';
import { answerOf, type AdminAnswer } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { parsePositiveInteger } from '../option-parsers.ts';
import { renderFields, renderTable, type Column } from '../text-layout.ts';
import { registerLeadExportCommands } from './lead-export-commands.ts';
import { registerLeadEraseCommand } from './lead-erase-command.ts';

type LeadSummary = AdminAnswer<'findLeads'>['leads'][number];

type LeadDetail = AdminAnswer<'getLead'>;

const fullName = (lead: { firstName: string | null; lastName: string | null }) => [lead.firstName, lead.lastName].filter(Boolean).join(' ');

const leadColumns: Column<LeadSummary>[] = [
  { header: 'ID', value: (lead) => lead.id },
  { header: 'EMAIL', value: (lead) => lead.email, maxWidth: 40 },
  { header: 'PHONE', value: (lead) => lead.phone },
  { header: 'NAME', value: fullName, maxWidth: 30 },
  { header: 'PARTNER', value: (lead) => lead.partner.slug },
  { header: 'CREATED', value: (lead) => lead.createdAt },
];

/** A titled table, or nothing when the list is empty; notes when the API cut the list. */
function section<Row>(title: string, total: number | undefined, columns: Column<Row>[], rows: Row[]): string {
  if (rows.length === 0) return '';
  const count = total !== undefined && total > rows.length ? `latest ${rows.length} of ${total}` : `${rows.length}`;
  return `\n${title} (${count})\n${renderTable(columns, rows)}`;
}

function leadDetailText(lead: LeadDetail): string {
  return (
    renderFields([
      ['id', lead.id],
      ['email', lead.email],
      ['phone', lead.phone],
      ['name', fullName(lead)],
      ['source', lead.source],
      ['partner', lead.partner.slug],
      ['created', lead.createdAt],
    ]) +
    section('Submissions', lead.totals.rawSubmissions, [
      { header: 'ID', value: (row: LeadDetail['rawSubmissions'][number]) => row.id },
      { header: 'PARTNER', value: (row) => row.partner.slug },
      { header: 'ROUTE', value: (row) => row.route },
      { header: 'RECEIVED', value: (row) => row.receivedAt },
    ], lead.rawSubmissions) +
    section('External ids', lead.totals.externalIds, [
      { header: 'PARTNER', value: (row: LeadDetail['externalIds'][number]) => row.partner.slug },
      { header: 'EXTERNAL ID', value: (row) => row.externalId },
    ], lead.externalIds) +
    section('Consents', lead.totals.consents, [
      { header: 'PARTNER', value: (row: LeadDetail['consents'][number]) => row.partner.slug },
      { header: 'GIVEN', value: (row) => row.givenAt },
      { header: 'IP', value: (row) => row.ip },
      { header: 'TEXT', value: (row) => row.text },
    ], lead.consents) +
    section('Activities', lead.totals.activities, [
      { header: 'CREATED', value: (row: LeadDetail['activities'][number]) => row.createdAt },
      { header: 'TYPE', value: (row) => row.type },
      { header: 'SOURCE', value: (row) => row.source },
      { header: 'DESCRIPTION', value: (row) => row.description },
    ], lead.activities) +
    section('Events', lead.totals.events, [
      { header: 'SEQUENCE', value: (row: LeadDetail['events'][number]) => row.sequence },
      { header: 'ID', value: (row) => row.id },
      { header: 'TYPE', value: (row) => row.type },
      { header: 'CREATED', value: (row) => row.createdAt },
    ], lead.events) +
    section('Deliveries', lead.totals.deliveries, [
      { header: 'ID', value: (row: LeadDetail['deliveries'][number]) => row.id },
      { header: 'DESTINATION', value: (row) => row.destination.name, maxWidth: 30 },
      { header: 'STATUS', value: (row) => row.status },
      { header: 'ATTEMPTS', value: (row) => row.attemptCount },
      { header: 'LAST ERROR', value: (row) => row.lastError },
    ], lead.deliveries)
  );
}

interface FindOptions {
  email?: string;
  phone?: string;
  partner?: string;
  externalId?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

export function registerLeadsCommands(program: Command, contextOf: CommandContextFactory): void {
  const leads = program.command('leads').description('find leads and everything stored about them');

  leads
    .command('find')
    .description('find leads by email, phone, or a partner\'s external id (filters combine; none lists every lead), newest first')
    .option('--email <email>', 'any case, surrounding spaces allowed')
    .option('--phone <phone>', 'any format; national numbers in the partner\'s country with --partner, else US')
    .option('--partner <slug>', 'leads this partner submitted')
    .option('--external-id <id>', 'the partner\'s own id for the lead (needs --partner)')
    .option('--limit <n>', 'leads per page, 1 to 200 (default 50)', parsePositiveInteger)
    .option('--cursor <cursor>', 'continue after a previous page')
    .option('--all', 'follow every page')
    .addHelpText('after', '\nExample:\n  pnpm leadrelay leads find --partner sovendus --external-id 4711\n')
    .action(async (options: FindOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const query = {
        email: options.email,
        phone: options.phone,
        partner: options.partner,
        externalId: options.externalId,
        limit: options.limit,
      };
      let page = await answerOf(client.GET('/v1/leads', { params: { query: { ...query, cursor: options.cursor } } }));
      const found = [...page.leads];
      while (options.all && page.nextCursor) {
        page = await answerOf(client.GET('/v1/leads', { params: { query: { ...query, cursor: page.nextCursor } } }));
        found.push(...page.leads);
      }
      output.result({ leads: found, nextCursor: page.nextCursor }, (answer) => {
        if (answer.leads.length === 0) return 'No leads found.\n';
        const more = answer.nextCursor ? `More: --cursor ${answer.nextCursor} (or --all)\n` : '';
        return renderTable(leadColumns, answer.leads) + more;
      });
    });

  leads
    .command('show')
    .description('show a lead with its submissions, consents, external ids, activities, events and deliveries')
    .argument('<id>', 'lead id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const lead = await answerOf(client.GET('/v1/leads/{id}', { params: { path: { id } } }));
      output.result(lead, leadDetailText);
    });

  registerLeadExportCommands(leads, contextOf);
  registerLeadEraseCommand(leads, contextOf);
}
