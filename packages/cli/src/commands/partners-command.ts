import { Option, type Command } from 'commander';
import { answerOf, type AdminAnswer, type AdminApi, type AdminRequestBody } from '../admin-api.ts';
import { AdminApiError } from '../admin-api-error.ts';
import type { CommandContextFactory } from '../command-context.ts';
import { collectFieldMapping, isUuid, parsePositiveInteger } from '../option-parsers.ts';
import { renderFields, renderTable, type Column } from '../text-layout.ts';

type Partner = AdminAnswer<'getPartner'>;

type PartnerWithCredentials = AdminAnswer<'createPartner', 201>;

type NewPartner = AdminRequestBody<'createPartner'>;

const partnerColumns: Column<Partner>[] = [
  { header: 'ID', value: (partner) => partner.id },
  { header: 'SLUG', value: (partner) => partner.slug },
  { header: 'NAME', value: (partner) => partner.name, maxWidth: 40 },
  { header: 'PROFILE', value: (partner) => partner.profile },
  { header: 'KEY', value: (partner) => `${partner.apiKeyPrefix}…` },
  { header: 'STATUS', value: (partner) => (partner.disabled ? 'disabled' : 'enabled') },
];

function partnerFields(partner: Partner): [string, unknown][] {
  return [
    ['id', partner.id],
    ['slug', partner.slug],
    ['name', partner.name],
    ['profile', partner.profile],
    ['key prefix', partner.apiKeyPrefix],
    ['default country', partner.defaultCountry ?? '(US)'],
    ['rate limit', partner.rateLimitPerMinute === null ? '(intake default)' : `${partner.rateLimitPerMinute}/min`],
    ['may change', partner.changeScope === 'any' ? 'any lead' : 'only its own leads'],
    ['status', partner.disabled ? 'disabled' : 'enabled'],
  ];
}

function credentialsText(partner: PartnerWithCredentials, heading: string): string {
  return (
    `${heading}\n` +
    renderFields([...partnerFields(partner), ['api key', partner.apiKey], ['secret', partner.secret]]) +
    'Give the API key and secret to the partner now: they are not shown again.\n'
  );
}

/** Partners are named by id or by slug on the command line; the API takes ids. */
async function partnerIdFor(client: AdminApi, idOrSlug: string): Promise<string> {
  if (isUuid(idOrSlug)) return idOrSlug;
  const { partners } = await answerOf(client.GET('/v1/partners'));
  const partner = partners.find((candidate) => candidate.slug === idOrSlug);
  if (!partner) throw new AdminApiError(404, 'not_found', `no partner with slug "${idOrSlug}"`);
  return partner.id;
}

interface CreateOptions {
  name: string;
  slug: string;
  profile: NewPartner['profile'];
  defaultCountry?: string;
  fieldMap?: Record<string, string>;
  rateLimit?: number;
  authScheme?: NonNullable<NewPartner['auth']>['scheme'];
  authName?: string;
  siteDomain?: string;
  siteLoginUrl?: string;
  leadRole?: NewPartner['leadRole'];
  changeScope?: NewPartner['changeScope'];
}

export function registerPartnersCommands(program: Command, contextOf: CommandContextFactory): void {
  const partners = program.command('partners').description('onboard partners and manage their credentials');

  partners
    .command('create')
    .description('onboard a partner; prints its API key and secret once')
    .requiredOption('--name <name>', 'display name, also the `source` of its leads')
    .requiredOption('--slug <slug>', 'URL name: lower-case letters, digits and -')
    .addOption(new Option('--profile <profile>', 'inbound contract').choices(['canonical', 'hotwire', 'sovendus', 'aloware']).makeOptionMandatory())
    .option('--default-country <code>', 'ISO 3166 alpha-2 region for national phone numbers (default US)')
    .option('--field-map <from=to>', 'rename a partner field to a canonical one (repeatable)', collectFieldMapping)
    .option('--rate-limit <perMinute>', 'requests a minute (default: intake default)', parsePositiveInteger)
    .addOption(new Option('--auth-scheme <scheme>', 'how its hook authenticates').choices(['basic', 'header', 'body']))
    .option('--auth-name <name>', 'header or body field carrying the API key')
    .option('--site-domain <domain>', '`site_domain` of its lead documents')
    .option('--site-login-url <url>', '`site_login_url` of its lead documents ({leadId} is replaced)')
    .addOption(new Option('--lead-role <role>', '`role` of its lead documents').choices(['Buyer', 'Seller', 'Potential Seller']))
    .addOption(
      new Option('--change-scope <scope>', 'which stored leads it may update or add activities to: its own (default) or any').choices(['own', 'any']),
    )
    .action(async (options: CreateOptions, command: Command) => {
      const { client, output } = contextOf(command);
      const body: NewPartner = {
        name: options.name,
        slug: options.slug,
        profile: options.profile,
        defaultCountry: options.defaultCountry,
        fieldMap: options.fieldMap,
        rateLimitPerMinute: options.rateLimit,
        auth: options.authScheme ? { scheme: options.authScheme, name: options.authName } : undefined,
        siteDomain: options.siteDomain,
        siteLoginUrl: options.siteLoginUrl,
        leadRole: options.leadRole,
        changeScope: options.changeScope,
      };
      const partner = await answerOf(client.POST('/v1/partners', { body }));
      output.result(partner, (created) => credentialsText(created, `Partner ${created.slug} created.`));
    });

  partners
    .command('list')
    .description('list every partner')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const answer = await answerOf(client.GET('/v1/partners'));
      output.result(answer, ({ partners: rows }) => (rows.length === 0 ? 'No partners yet.\n' : renderTable(partnerColumns, rows)));
    });

  partners
    .command('show')
    .description('show one partner')
    .argument('<partner>', 'partner id or slug')
    .action(async (idOrSlug: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const partner = await answerOf(client.GET('/v1/partners/{id}', { params: { path: { id: await partnerIdFor(client, idOrSlug) } } }));
      output.result(partner, (shown) => renderFields(partnerFields(shown)));
    });

  partners
    .command('rotate')
    .description('replace a partner\'s API key and secret; the old key stops working within PARTNER_CACHE_TTL')
    .argument('<partner>', 'partner id or slug')
    .action(async (idOrSlug: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const id = await partnerIdFor(client, idOrSlug);
      const partner = await answerOf(client.POST('/v1/partners/{id}/rotate-credentials', { params: { path: { id } } }));
      output.result(partner, (rotated) => credentialsText(rotated, `New credentials for ${rotated.slug}; the old API key no longer works.`));
    });

  for (const [name, description, done] of [
    ['disable', 'refuse a partner\'s requests (intake answers 403) until enabled again', 'disabled'],
    ['enable', 'accept a disabled partner\'s requests again', 'enabled'],
  ] as const) {
    partners
      .command(name)
      .description(description)
      .argument('<partner>', 'partner id or slug')
      .action(async (idOrSlug: string, _options: unknown, command: Command) => {
        const { client, output } = contextOf(command);
        const id = await partnerIdFor(client, idOrSlug);
        const partner = await answerOf(client.POST(`/v1/partners/{id}/${name}`, { params: { path: { id } } }));
        output.result(partner, (changed) => `Partner ${changed.slug} (${changed.id}) ${done}.\n`);
      });
  }
}
