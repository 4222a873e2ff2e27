import type { Command } from 'commander';
import { answerOf, type AdminAnswer } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { CommandFailedError } from '../command-failed-error.ts';
import { parsePositiveInteger } from '../option-parsers.ts';
import { renderFields, renderTable, type Column } from '../text-layout.ts';

type ReencryptBatch = AdminAnswer<'reencryptSecrets'>;

type ReencryptFailure = ReencryptBatch['failures'][number];

/** The batches added up: what `--json` prints. */
type ReencryptSummary = Omit<ReencryptBatch, 'nextCursor'> & { batches: number };

const failureColumns: Column<ReencryptFailure>[] = [
  { header: 'TABLE', value: (failure) => failure.table },
  { header: 'ID', value: (failure) => failure.id },
  { header: 'REASON', value: (failure) => failure.reason, maxWidth: 100 },
];

function summaryText(summary: ReencryptSummary): string {
  const counts = renderFields([
    ['newest key', summary.keyId],
    ['re-encrypted', summary.reencrypted],
    ['already current', summary.alreadyCurrent],
    ['failed', summary.failed],
  ]);
  if (summary.failed === 0) {
    return `${counts}Every partner and destination secret is on key ${summary.keyId}: older keys can leave SECRET_ENCRYPTION_KEYS.\n`;
  }
  return `${counts}\n${renderTable(failureColumns, summary.failures)}`;
}

export function registerSecretsCommands(program: Command, contextOf: CommandContextFactory): void {
  const secrets = program.command('secrets').description('the keys partner and destination secrets are encrypted with');

  secrets
    .command('reencrypt')
    .description(
      'move every partner and destination secret to the newest key of SECRET_ENCRYPTION_KEYS, in batches; ' +
        'safe while the system runs, and running it again skips what is already done',
    )
    .option('--batch-size <n>', 'rows per admin API call (default 100, at most 1000)', parsePositiveInteger)
    .addHelpText(
      'after',
      `
Every app must already run with the new key listed (see the README, "Rotating the encryption key").
Exits 1 when a secret could not be decrypted with any configured key; those rows are listed.`,
    )
    .action(async (options: { batchSize?: number }, command: Command) => {
      const { client, output } = contextOf(command);
      const summary: ReencryptSummary = { keyId: '', reencrypted: 0, alreadyCurrent: 0, failed: 0, failures: [], batches: 0 };
      let cursor: string | undefined;
      do {
        const batch = await answerOf(client.POST('/v1/secrets/reencrypt', { body: { cursor, limit: options.batchSize } }));
        summary.keyId = batch.keyId;
        summary.reencrypted += batch.reencrypted;
        summary.alreadyCurrent += batch.alreadyCurrent;
        summary.failed += batch.failed;
        summary.failures.push(...batch.failures);
        summary.batches += 1;
        cursor = batch.nextCursor ?? undefined;
      } while (cursor !== undefined);
      output.result(summary, summaryText);
      if (summary.failed > 0) {
        throw new CommandFailedError(`${summary.failed} secrets could not be decrypted with any key of SECRET_ENCRYPTION_KEYS`);
      }
    });
}
