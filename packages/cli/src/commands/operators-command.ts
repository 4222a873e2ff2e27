import { Option, type Command } from 'commander';
import { answerOf, type AdminAnswer, type AdminApi, type AdminRequestBody } from '../admin-api.ts';
import { AdminApiError } from '../admin-api-error.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { isUuid } from '../option-parsers.ts';
import { renderFields, renderTable, type Column } from '../text-layout.ts';

type Operator = AdminAnswer<'listOperators'>['operators'][number];

type OperatorWithToken = AdminAnswer<'createOperator', 201>;

type OperatorRole = AdminRequestBody<'createOperator'>['role'];

const operatorColumns: Column<Operator>[] = [
  { header: 'ID', value: (operator) => operator.id },
  { header: 'NAME', value: (operator) => operator.name, maxWidth: 40 },
  { header: 'ROLE', value: (operator) => operator.role },
  { header: 'TOKEN', value: (operator) => `${operator.tokenPrefix}…` },
  { header: 'STATUS', value: (operator) => (operator.revoked ? `revoked ${operator.revokedAt}` : 'active') },
  { header: 'CREATED', value: (operator) => operator.createdAt },
];

function tokenText(operator: OperatorWithToken, heading: string): string {
  return (
    `${heading}\n` +
    renderFields([['id', operator.id], ['name', operator.name], ['role', operator.role], ['token', operator.token]]) +
    'Give the token to the operator now: it is not shown again.\n'
  );
}

/** Operators are named by id or by name on the command line; the API takes ids. */
async function operatorIdFor(client: AdminApi, idOrName: string): Promise<string> {
  if (isUuid(idOrName)) return idOrName;
  const { operators } = await answerOf(client.GET('/v1/operators'));
  const operator = operators.find((candidate) => candidate.name === idOrName);
  if (!operator) throw new AdminApiError(404, 'not_found', `no operator named "${idOrName}"`);
  return operator.id;
}

export function registerOperatorsCommands(program: Command, contextOf: CommandContextFactory): void {
  const operators = program
    .command('operators')
    .description('named admin tokens with roles (owner, admin, viewer); owners only')
    .addHelpText(
      'after',
      `
Roles: owner (everything, including operators), admin (everything else), viewer (read only).
ADMIN_TOKEN is the bootstrap owner.`,
    );

  operators
    .command('create')
    .description('create an operator; prints its token once')
    .requiredOption('--name <name>', 'unique name, shown in the audit log')
    .addOption(new Option('--role <role>', 'what the token may do').choices(['owner', 'admin', 'viewer']).makeOptionMandatory())
    .action(async (options: { name: string; role: OperatorRole }, command: Command) => {
      const { client, output } = contextOf(command);
      const operator = await answerOf(client.POST('/v1/operators', { body: { name: options.name, role: options.role } }));
      output.result(operator, (created) => tokenText(created, `Operator ${created.name} created.`));
    });

  operators
    .command('list')
    .description('list operators, revoked ones included (never their tokens)')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await answerOf(client.GET('/v1/operators'));
      output.result(answer, ({ operators: rows }) => (rows.length === 0 ? 'No operators yet.\n' : renderTable(operatorColumns, rows)));
    });

  operators
    .command('rotate')
    .description("replace an operator's token; the old one stops working at once")
    .argument('<operator>', 'operator id or name')
    .action(async (idOrName: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const id = await operatorIdFor(client, idOrName);
      const operator = await answerOf(client.POST('/v1/operators/{id}/rotate', { params: { path: { id } } }));
      output.result(operator, (rotated) => tokenText(rotated, `New token for ${rotated.name}; the old one no longer works.`));
    });

  operators
    .command('revoke')
    .description("revoke an operator's token; it is refused at once")
    .argument('<operator>', 'operator id or name')
    .action(async (idOrName: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const id = await operatorIdFor(client, idOrName);
      const operator = await answerOf(client.POST('/v1/operators/{id}/revoke', { params: { path: { id } } }));
      output.result(operator, (revoked) => `Operator ${revoked.name} (${revoked.id}) revoked.\n`);
    });
}
