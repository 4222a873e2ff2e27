import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { answerOf, type AdminAnswer } from '../admin-api.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { CommandFailedError } from '../command-failed-error.ts';
import { parsePositiveInteger } from '../option-parsers.ts';
import { renderFields } from '../text-layout.ts';

type Erasure = AdminAnswer<'getErasure'>;

interface EraseOptions {
  email?: string;
  phone?: string;
  partner?: string;
  externalId?: string;
  reason: string;
  wait: boolean;
  timeout: number;
}

/** How often `leads erase` asks how far the erasure got. */
const pollIntervalMs = 500;

function erasureText(erasure: Erasure): string {
  return (
    renderFields([
      ['erasure', erasure.id],
      ['status', erasure.status],
      ['reason', erasure.reason],
      ['requested by', erasure.requestedBy],
      ['completed', erasure.completedAt],
      ['leads', erasure.leadIds.join(', ')],
    ]) +
    '\nRemoved\n' +
    renderFields(Object.entries(erasure.counts))
  );
}

/** `leads erase`: asks for an erasure (owners only) and, unless --no-wait, waits for it and prints what was removed. */
export function registerLeadEraseCommand(leads: Command, contextOf: CommandContextFactory): void {
  leads
    .command('erase')
    .description('erase a person everywhere (owners only): leads, submissions, consents, events, deliveries, Redis; a tombstone stays')
    .option('--email <email>', 'any case, surrounding spaces allowed')
    .option('--phone <phone>', "any format; national numbers in the partner's country with --partner, else US")
    .option('--partner <slug>', 'the partner --external-id belongs to')
    .option('--external-id <id>', "the partner's own id for the person (needs --partner)")
    .requiredOption('--reason <text>', 'why, e.g. a ticket number (kept with the tombstones: no personal data)')
    .option('--no-wait', 'answer with the erasure id at once instead of waiting for it to complete')
    .option('--timeout <seconds>', 'how long to wait for it to complete (default 600)', parsePositiveInteger, 600)
    .addHelpText('after', '\nExample:\n  pnpm leadrelay leads erase --email jane@example.com --reason "DSR-2041"\n')
    .action(async (options: EraseOptions, command: Command) => {
      const { client, output } = contextOf(command);
      // The identifiers go in the body: a path or query would be kept by logs and the audit log.
      const body = { email: options.email, phone: options.phone, partner: options.partner, externalId: options.externalId, reason: options.reason };
      const accepted = await answerOf(client.POST('/v1/erasures', { body }));
      let erasure = await answerOf(client.GET('/v1/erasures/{id}', { params: { path: { id: accepted.id } } }));
      const deadline = Date.now() + options.timeout * 1000;
      while (options.wait && erasure.status !== 'completed') {
        if (Date.now() > deadline) {
          throw new CommandFailedError(`erasure ${erasure.id} is still ${erasure.status} after ${options.timeout} s; follow it with GET /v1/erasures/${erasure.id}`);
        }
        await sleep(pollIntervalMs);
        erasure = await answerOf(client.GET('/v1/erasures/{id}', { params: { path: { id: accepted.id } } }));
      }
      output.result(erasure, erasureText);
    });
}
