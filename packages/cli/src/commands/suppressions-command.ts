import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { answerOf } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { CommandFailedError } from '../command-failed-error.ts';
import { renderFields } from '../text-layout.ts';

interface PersonOptions {
  email?: string;
  phone?: string;
  partner?: string;
}

/** --email, --phone and --partner, as `check` and `lift` name a person. */
function personOptions(command: Command): Command {
  return command
    .option('--email <email>', 'any case, surrounding spaces allowed')
    .option('--phone <phone>', "any format; national numbers in the partner's country with --partner, else US")
    .option('--partner <slug>', "reads national phone numbers in this partner's country");
}

/** `suppressions check|import|lift`: the list that keeps erased and do-not-contact people out. */
export function registerSuppressionsCommands(program: Command, contextOf: CommandContextFactory): void {
  const suppressions = program.command('suppressions').description('the suppression list: erased and do-not-contact people, whose submissions store nothing');

  personOptions(suppressions.command('check'))
    .description('whether an email or a phone is suppressed')
    .action(async (options: PersonOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await answerOf(client.GET('/v1/suppressions/check', { params: { query: { ...options } } }));
      output.result(answer, (result) => renderFields(Object.entries(result)));
    });

  suppressions
    .command('import')
    .description('add a do-not-contact list (one email or phone a line; blank lines skipped) without erasing anything')
    .argument('<file>', 'the list, e.g. exported from your CRM')
    .option('--partner <slug>', "reads national phone numbers in this partner's country")
    .action(async (file: string, options: { partner?: string }, command: Command) => {
      const { client, output } = contextOf(command);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new CommandFailedError(`could not read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
      }
      const lines = text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
      const body = { emails: lines.filter((line) => line.includes('@')), phones: lines.filter((line) => !line.includes('@')), partner: options.partner };
      const answer = await answerOf(client.POST('/v1/suppressions', { body }));
      output.result(answer, (result) => `Added ${result.added}, ${result.alreadySuppressed} already suppressed.\n`);
    });

  personOptions(suppressions.command('lift'))
    .description('lift the suppression of an email or a phone (owners only): its later submissions are stored again')
    .action(async (options: PersonOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await answerOf(client.DELETE('/v1/suppressions', { body: { ...options } }));
      output.result(answer, (result) => `Lifted ${result.lifted}.\n`);
    });
}
