import { Command, Option } from 'commander';
import { commandContextFactory, type CliStreams } from './command-context.ts';
import { parseAdminUrl } from './option-parsers.ts';
import { registerPartnersCommands } from './commands/partners-command.ts';
import { registerDestinationsCommands } from './commands/destinations-command.ts';
import { registerLeadsCommands } from './commands/leads-command.ts';
import { registerDeliveriesCommands } from './commands/deliveries-command.ts';
import { registerSecretsCommands } from './commands/secrets-command.ts';
import { registerOperatorsCommands } from './commands/operators-command.ts';
import { registerAuditLogCommand } from './commands/audit-log-command.ts';
import { registerSubscribersCommands } from './commands/subscribers-command.ts';
import { registerSuppressionsCommands } from './commands/suppressions-command.ts';

/** The admin service's token when ADMIN_TOKEN is not set, outside production. */
export const developmentAdminToken = 'dev-admin-token';
export const defaultAdminUrl = 'http://127.0.0.1:3001';

const helpFooter = `
Environment:
  LEADRELAY_ADMIN_URL  admin API base URL (--admin-url wins)
  ADMIN_TOKEN          admin token or an operator token (--token wins)

Exit codes:
  0  done
  1  the admin API answered with an error (unknown id, invalid input, wrong token, a role that
     may not do it, server error),
     or the outcome is a failure (destinations test: the receiver did not answer 2xx;
     secrets reencrypt: a secret no configured key decrypts)
  2  bad usage (unknown command or option, missing or invalid value)
  3  the admin API could not be reached (not running, wrong URL, timed out)
Errors are one line on stderr. With --json, stdout carries only the API's JSON answer
(pnpm prints a banner on stdout: in scripts run \`pnpm -s leadrelay\` or packages/cli/bin/leadrelay.mjs).

Examples:
  pnpm leadrelay partners create --name "Acme Leads" --slug acme --profile canonical
  pnpm leadrelay leads find --email jane.doe@example.com --json
  pnpm leadrelay deliveries list --status failed --since 24h
  pnpm leadrelay secrets reencrypt --json
  pnpm leadrelay subscribers create --name "Acme CRM" --contact-email dev@acme-crm.example
  pnpm leadrelay operators create --name alice --role viewer
  pnpm leadrelay audit-log --actor alice --since 7d
`;

/**
 * The command tree. Subcommands are made with `.command()` so they inherit the output, help and
 * exit settings; every command has --help.
 */
export function buildProgram(streams: CliStreams): Command {
  const program = new Command('leadrelay')
    .description('Operate LeadRelay through its admin API: partners, destinations, subscribers, leads, deliveries, secrets, operators and the audit log.')
    .addOption(
      new Option('--admin-url <url>', 'admin API base URL').env('LEADRELAY_ADMIN_URL').default(defaultAdminUrl).argParser(parseAdminUrl),
    )
    .addOption(new Option('--token <token>', 'admin token or operator token (lrop_…)').env('ADMIN_TOKEN').default(developmentAdminToken, 'the development token'))
    .option('--json', 'print the API answer as JSON, for scripts')
    .configureOutput({ writeOut: streams.writeOut, writeErr: streams.writeErr })
    .configureHelp({ showGlobalOptions: true })
    // One line per error on stderr, as scripts expect: no help or suggestions appended.
    .showSuggestionAfterError(false)
    .exitOverride()
    .addHelpText('after', helpFooter);
  const contextOf = commandContextFactory(streams);
  registerPartnersCommands(program, contextOf);
  registerDestinationsCommands(program, contextOf);
  registerLeadsCommands(program, contextOf);
  registerDeliveriesCommands(program, contextOf);
  registerSecretsCommands(program, contextOf);
  registerSubscribersCommands(program, contextOf);
  registerOperatorsCommands(program, contextOf);
  registerAuditLogCommand(program, contextOf);
  registerSuppressionsCommands(program, contextOf);
  return program;
}
