import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { answerOf, type AdminAnswer } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { CommandFailedError } from '../command-failed-error.ts';
import { renderTable, type Column } from '../text-layout.ts';

type ConsentEvidence = AdminAnswer<'listLeadConsents'>['consents'][number];

const consentColumns: Column<ConsentEvidence>[] = [
  { header: 'RECEIVED', value: (consent) => consent.receivedAt },
  { header: 'PARTNER', value: (consent) => consent.partner.slug },
  { header: 'GIVEN', value: (consent) => consent.givenAt ?? consent.timestampRaw },
  { header: 'IP', value: (consent) => consent.ip },
  { header: 'SUBMISSION', value: (consent) => consent.submissionId },
  { header: 'SUBMISSION SHA-256', value: (consent) => consent.submissionSha256, maxWidth: 64 },
  { header: 'TEXT', value: (consent) => consent.text },
];

/** `leads export` and `leads consents`: what a data-subject access request and a consent audit need. */
export function registerLeadExportCommands(leads: Command, contextOf: CommandContextFactory): void {
  leads
    .command('export')
    .description('everything stored about a lead as one JSON document, for a data-subject access request')
    .argument('<id>', 'lead id (or an id merged into it)')
    .option('--out <file>', 'write the document to this file (created readable by you only) instead of stdout')
    .addHelpText('after', '\nExample:\n  pnpm -s leadrelay leads export 0193b7c4-8f2e-7a51-9c3d-2b1e4f6a8d90 --out jane-doe.json\n')
    .action(async (id: string, options: { out?: string }, command: Command) => {
      const { client, output } = contextOf(command);
      const document = await answerOf(client.GET('/v1/leads/{id}/export', { params: { path: { id } } }));
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (options.out === undefined) {
        // The document is JSON either way: --json changes nothing here.
        output.result(document, () => text);
        return;
      }
      try {
        await writeFile(options.out, text, { mode: 0o600 });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new CommandFailedError(`could not write ${options.out} (${code})`, { cause: error });
      }
      output.result({ leadId: document.lead.id, out: options.out }, (answer) => `Wrote the export of lead ${answer.leadId} to ${answer.out}\n`);
    });

  leads
    .command('consents')
    .description("a lead's consents with their evidence: text, IP, timestamps, partner, submission and its SHA-256")
    .argument('<id>', 'lead id (or an id merged into it)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await answerOf(client.GET('/v1/leads/{id}/consents', { params: { path: { id } } }));
      output.result(answer, (list) => (list.consents.length === 0 ? `Lead ${list.leadId} has no consents.\n` : renderTable(consentColumns, list.consents)));
    });
}
