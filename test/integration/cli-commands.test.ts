import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { adminRequest, startLeadRelaySystem, testAdminToken, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cliBin = join(repositoryRoot, 'packages/cli/bin/leadrelay.mjs');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the leadrelay CLI, run as a real process against the admin API', () => {
  let system: LeadRelaySystem;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
    system = await startLeadRelaySystem();
  });

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
  });

  /** Runs `leadrelay <args>` as a script would, pointed at this system by the environment. */
  function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [cliBin, ...args],
        { cwd: repositoryRoot, env: { ...process.env, LEADRELAY_ADMIN_URL: system.adminUrl, ADMIN_TOKEN: testAdminToken, ...env } },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
  }

  async function cliJson<Answer>(args: string[]): Promise<Answer> {
    const run = await cli([...args, '--json']);
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(run.stdout) as Answer;
  }

  /** True when the admin API has the route; routes owned by the destinations work may land later. */
  it('has --help on every command, with the environment and exit codes at the top', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const text of ['partners', 'destinations', 'subscribers', 'leads', 'deliveries', 'secrets', 'operators', 'audit-log', 'suppressions', 'LEADRELAY_ADMIN_URL', 'ADMIN_TOKEN', 'Exit codes', '--json']) {
      expect(top.stdout).toContain(text);
    }
    const commands = [
      ['partners'], ['partners', 'create'], ['partners', 'list'], ['partners', 'rotate'],
      ['destinations'], ['destinations', 'add'], ['destinations', 'list'], ['destinations', 'test'], ['destinations', 'enable'], ['destinations', 'disable'],
      ['destinations', 'approve'], ['destinations', 'reject'],
      ['subscribers'], ['subscribers', 'create'], ['subscribers', 'list'], ['subscribers', 'show'], ['subscribers', 'rotate'],
      ['subscribers', 'disable'], ['subscribers', 'enable'],
      ['leads'], ['leads', 'find'], ['leads', 'show'], ['leads', 'export'], ['leads', 'consents'],
      ['deliveries'], ['deliveries', 'list'], ['deliveries', 'replay'],
      ['secrets'], ['secrets', 'reencrypt'],
      ['operators'], ['operators', 'create'], ['operators', 'list'], ['operators', 'rotate'], ['operators', 'revoke'],
      ['audit-log'],
    ];
    for (const command of commands) {
      const help = await cli([...command, '--help']);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.stdout).toContain(`Usage: leadrelay ${command.join(' ')}`);
    }
  });

  it('onboards, lists and rotates partners', async () => {
    const created = await cliJson<{ id: string; slug: string; apiKey: string; secret: string; defaultCountry: string }>([
      'partners', 'create', '--name', 'CLI Leads', '--slug', 'cli-leads', '--profile', 'canonical', '--default-country', 'de',
      '--field-map', 'vorname=firstName', '--rate-limit', '600',
    ]);
    expect(created).toMatchObject({ slug: 'cli-leads', defaultCountry: 'DE' });
    expect(created.apiKey).toMatch(/^lr_/);

    const listed = await cliJson<{ partners: { id: string; slug: string }[] }>(['partners', 'list']);
    expect(listed.partners.map((partner) => partner.slug)).toContain('cli-leads');

    const table = await cli(['partners', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+SLUG\s+NAME\s+PROFILE\s+KEY\s+STATUS$/);
    expect(table.stdout).toMatch(/cli-leads\s+CLI Leads\s+canonical/);
    expect(table.stdout).not.toContain(created.apiKey);

    // By slug or by id; the new key is shown once and the old one stops working.
    const rotated = await cliJson<{ id: string; apiKey: string; secret: string }>(['partners', 'rotate', 'cli-leads']);
    expect(rotated.id).toBe(created.id);
    expect(rotated.apiKey).not.toBe(created.apiKey);
    const rotatedAgain = await cli(['partners', 'rotate', created.id]);
    expect(rotatedAgain.code).toBe(0);
    expect(rotatedAgain.stdout).toMatch(/api key\s+lr_/);
    expect(rotatedAgain.stdout).toContain('not shown again');
  });

  it('creates, shows, rotates, disables and enables subscribers, and reviews a destination asking to go live', async () => {
    const created = await cliJson<{ id: string; apiKey: string; maxDestinations: number }>([
      'subscribers', 'create', '--name', 'CLI CRM', '--contact-email', 'dev@cli-crm.example', '--max-destinations', '4',
    ]);
    expect(created).toMatchObject({ maxDestinations: 4 });
    expect(created.apiKey).toMatch(/^lrsub_/);
    const createdText = await cli(['subscribers', 'create', '--name', 'CLI CRM Two']);
    expect(createdText.stdout).toMatch(/api key\s+lrsub_/);
    expect(createdText.stdout).toContain('not shown again');

    const table = await cli(['subscribers', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+KEY\s+DESTINATIONS\s+STATUS\s+CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`${created.id}\\s+CLI CRM\\s+lrsub_\\S+…\\s+0/4\\s+active`));
    expect(table.stdout).not.toContain(created.apiKey);
    expect((await cli(['subscribers', 'show', created.id])).stdout).toMatch(/contact\s+dev@cli-crm.example/);

    const rotated = await cliJson<{ apiKey: string }>(['subscribers', 'rotate', created.id]);
    expect(rotated.apiKey).not.toBe(created.apiKey);
    expect((await cli(['subscribers', 'disable', created.id])).stdout).toContain('disabled');
    expect((await cli(['subscribers', 'enable', created.id])).stdout).toMatch(/enabled; 0 paused deliveries/);
    const missing = await cli(['subscribers', 'show', randomUUID()]);
    expect(missing.code).toBe(1);

    const destination = await cliJson<{ id: string }>(['destinations', 'add', '--name', 'Asking CRM', '--url', receiver.url, '--sources', 'nobody']);
    const sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    try {
      await sql.query("UPDATE destinations SET mode = 'pending_review', live_description = 'CLI CRM' WHERE id = $1", [destination.id]);
      expect((await cli(['destinations', 'list', '--mode', 'pending_review'])).stdout).toMatch(new RegExp(`${destination.id}.*pending_review`));
      const rejected = await cli(['destinations', 'reject', destination.id, '--reason', 'answers 500 to samples']);
      expect(rejected.stdout).toContain('back in test: answers 500 to samples');
      await sql.query("UPDATE destinations SET mode = 'pending_review' WHERE id = $1", [destination.id]);
      const approved = await cli(['destinations', 'approve', destination.id, '--partner-id', 'acct-cli']);
      expect(approved.stdout).toContain('is live, sending partner_id acct-cli');
      expect((await cli(['destinations', 'approve', destination.id, '--partner-id', 'acct-cli'])).code).toBe(1);
    } finally {
      await sql.end();
    }
    expect((await cli(['destinations', 'list', '--mode', 'paused'])).code).toBe(2);
  });

  it('creates, lists, rotates and revokes operators, their tokens work as --token, and audit-log shows what they did', async () => {
    const created = await cliJson<{ id: string; name: string; role: string; token: string }>(['operators', 'create', '--name', 'cli-viewer', '--role', 'viewer']);
    expect(created).toMatchObject({ name: 'cli-viewer', role: 'viewer' });
    expect(created.token).toMatch(/^lrop_/);
    const createdText = await cli(['operators', 'create', '--name', 'cli-admin', '--role', 'admin']);
    expect(createdText.code).toBe(0);
    expect(createdText.stdout).toMatch(/token\s+lrop_/);
    expect(createdText.stdout).toContain('not shown again');

    const table = await cli(['operators', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+ROLE\s+TOKEN\s+STATUS\s+CREATED$/);
    expect(table.stdout).toMatch(/cli-viewer\s+viewer\s+lrop_\S+…\s+active/);
    expect(table.stdout).not.toContain(created.token);
    const listed = await cli(['operators', 'list', '--json']);
    expect(listed.stdout).not.toContain(created.token);

    // The viewer's token reads through the CLI and is refused a change, with exit 1.
    const asViewer = { ADMIN_TOKEN: created.token };
    expect((await cli(['partners', 'list'], asViewer)).code).toBe(0);
    const refused = await cli(['partners', 'create', '--name', 'No', '--slug', 'no-viewer', '--profile', 'canonical'], asViewer);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('viewer');

    const rotated = await cliJson<{ id: string; token: string }>(['operators', 'rotate', 'cli-viewer']);
    expect(rotated.id).toBe(created.id);
    expect(rotated.token).not.toBe(created.token);
    expect((await cli(['partners', 'list'], asViewer)).code).toBe(1);
    expect((await cli(['partners', 'list'], { ADMIN_TOKEN: rotated.token })).code).toBe(0);

    const revoked = await cli(['operators', 'revoke', created.id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Operator cli-viewer (${created.id}) revoked.\n` });
    const afterRevoke = await cli(['partners', 'list'], { ADMIN_TOKEN: rotated.token });
    expect(afterRevoke.code).toBe(1);
    expect(afterRevoke.stderr).toContain('valid admin token');
    expect((await cli(['operators', 'revoke', 'nobody-by-that-name'])).code).toBe(1);

    // Each of those changes is in the audit log, newest first, the viewer's refused one included.
    const history = await cliJson<{ entries: { action: string; statusCode: number; actor: { name: string } }[] }>(['audit-log', '--target', created.id]);
    expect(history.entries.map((entry) => [entry.action, entry.statusCode])).toEqual([
      ['revokeOperator', 200],
      ['rotateOperator', 200],
      ['createOperator', 201],
    ]);
    const refusedChanges = await cliJson<{ entries: { action: string; statusCode: number }[] }>(['audit-log', '--actor', 'cli-viewer', '--since', '1h']);
    expect(refusedChanges.entries).toMatchObject([{ action: 'createPartner', statusCode: 403 }]);
    const auditTable = await cli(['audit-log', '--action', 'revokeOperator']);
    expect(auditTable.code).toBe(0);
    expect(auditTable.stdout.split('\n')[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET\s+STATUS\s+IP$/);
    expect(auditTable.stdout).toMatch(new RegExp(`\\(bootstrap\\)\\s+revokeOperator\\s+${created.id}\\s+200\\s+127\\.0\\.0\\.1`));
  });

  it('adds and lists destinations, and finds and shows a lead that was delivered', async () => {
    const destination = await cliJson<{ id: string; secret: string; events: string[] }>([
      'destinations', 'add', '--name', 'CLI CRM', '--url', receiver.url, '--events', 'created,updated',
    ]);
    expect(destination.events).toEqual(['created', 'updated']);
    expect(destination.secret.length).toBeGreaterThanOrEqual(16);
    const destinations = await cliJson<{ destinations: { id: string }[] }>(['destinations', 'list']);
    expect(destinations.destinations.map((row) => row.id)).toContain(destination.id);

    const partner = await cliJson<{ apiKey: string }>(['partners', 'create', '--name', 'Finder', '--slug', 'finder', '--profile', 'canonical']);
    const submitted = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'Ada.Lovelace@Example.com', phone: '808 555 0142', externalId: 'F-1', firstName: 'Ada' }),
    });
    expect(submitted.status).toBe(202);
    const { results } = (await submitted.json()) as { results: { leadId: string }[] };
    const leadId = results[0]!.leadId;

    const found = await waitFor(
      async () => {
        const page = await cliJson<{ leads: { id: string }[] }>(['leads', 'find', '--email', '  ADA.lovelace@example.COM ']);
        return page.leads.length > 0 ? page : undefined;
      },
      { description: 'the lead to be found by the CLI' },
    );
    expect(found.leads.map((lead) => lead.id)).toEqual([leadId]);
    const byExternalId = await cliJson<{ leads: { id: string }[] }>(['leads', 'find', '--partner', 'finder', '--external-id', 'F-1']);
    expect(byExternalId.leads.map((lead) => lead.id)).toEqual([leadId]);

    const shown = await waitFor(
      async () => {
        const lead = await cliJson<{ id: string; deliveries: { status: string }[] }>(['leads', 'show', leadId]);
        return lead.deliveries[0]?.status === 'delivered' ? lead : undefined;
      },
      { description: 'the delivery to show' },
    );
    expect(shown.id).toBe(leadId);

    const table = await cli(['leads', 'find', '--phone', '(808) 555-0142']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+EMAIL\s+PHONE\s+NAME\s+PARTNER\s+CREATED/);
    expect(table.stdout).toContain('ada.lovelace@example.com');
    const detail = await cli(['leads', 'show', leadId]);
    expect(detail.stdout).toMatch(/Deliveries \(1\)/);
    expect(detail.stdout).toMatch(/CLI CRM\s+delivered/);
  });

  it('tests, disables and enables a destination, and lists and replays deliveries', async () => {
    const destination = await cliJson<{ id: string }>(['destinations', 'add', '--name', 'Replayed CRM', '--url', receiver.url]);
    const tested = await cliJson<{ accepted: boolean; statusCode: number }>(['destinations', 'test', destination.id]);
    expect(tested).toMatchObject({ accepted: true, statusCode: 200 });

    const refusing = new WebhookReceiver();
    refusing.statuses = [500];
    await refusing.start();
    try {
      const refusingDestination = await cliJson<{ id: string }>(['destinations', 'add', '--name', 'Broken CRM', '--url', refusing.url]);
      const failedTest = await cli(['destinations', 'test', refusingDestination.id]);
      expect(failedTest.code).toBe(1);
      expect(failedTest.stdout).toMatch(/accepted\s+no/);
      expect(failedTest.stderr).toMatch(/^error: the destination did not accept the sample: it answered 500\n$/);
    } finally {
      await refusing.stop();
    }

    const disabled = await cliJson<{ enabled: boolean; disabledReason: string }>(['destinations', 'disable', destination.id, '--reason', 'maintenance']);
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'maintenance' });
    const listed = await cli(['destinations', 'list']);
    expect(listed.stdout).toMatch(/Replayed CRM.*disabled: maintenance/);
    const enabled = await cli(['destinations', 'enable', destination.id]);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toMatch(/Replayed CRM .* enabled; \d+ paused deliveries are being sent/);

    // The lead found earlier was delivered to "CLI CRM".
    const delivered = await waitFor(
      async () => {
        const page = await cliJson<{ deliveries: { id: string; messageId: string; status: string }[] }>([
          'deliveries', 'list', '--status', 'delivered', '--since', '1h',
        ]);
        return page.deliveries.length > 0 ? page.deliveries : undefined;
      },
      { description: 'a delivered delivery to list' },
    );
    const table = await cli(['deliveries', 'list', '--limit', '5']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+ATTEMPTS\s+EVENT\s+LEAD\s+DESTINATION\s+CREATED/);
    const shown = await cli(['deliveries', 'show', delivered[0]!.id]);
    expect(shown.stdout).toMatch(/Attempts \(1\)/);

    const replayed = await cliJson<{ id: string; messageId: string }>(['deliveries', 'replay', delivered[0]!.id]);
    expect(replayed).toMatchObject({ id: delivered[0]!.id, messageId: delivered[0]!.messageId });
    const bulk = await cliJson<{ replayed: number }>(['deliveries', 'replay', '--destination', destination.id, '--since', '1h']);
    expect(Number.isInteger(bulk.replayed)).toBe(true);
  });

  it('exits non-zero with one line on stderr when something is wrong', async () => {
    const expectFailure = (run: CliRun, code: number, pattern: RegExp) => {
      expect(run.code).toBe(code);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(pattern);
    };

    // The API refused: exit 1.
    expectFailure(await cli(['leads', 'show', randomUUID(), '--json']), 1, /^error: no lead .*\(404 not_found\)/);
    expectFailure(await cli(['partners', 'rotate', randomUUID()]), 1, /\(404 not_found\)/);
    expectFailure(await cli(['partners', 'rotate', 'no-such-partner']), 1, /no partner with slug "no-such-partner"/);
    expectFailure(await cli(['leads', 'find', '--email', 'not-an-email']), 1, /\(400 validation_failed\)/);
    expectFailure(await cli(['partners', 'list', '--token', 'not-the-admin-token']), 1, /\(401 unauthorized\)/);

    // Bad usage: exit 2.
    expectFailure(await cli(['partners', 'explode']), 2, /unknown command 'explode'/);
    expectFailure(await cli(['partners', 'create', '--name', 'No Slug']), 2, /required option/);
    expectFailure(await cli(['partners', 'create', '--name', 'x', '--slug', 'xy', '--profile', 'fax']), 2, /--profile/);
    expectFailure(await cli(['leads', 'find', '--limit', 'many']), 2, /--limit/);
    expectFailure(await cli(['deliveries', 'replay']), 2, /delivery id, or --destination/);

    // Nobody answering: exit 3.
    const closedPort = await freePort();
    expectFailure(await cli(['partners', 'list'], { LEADRELAY_ADMIN_URL: `http://127.0.0.1:${closedPort}` }), 3, /could not reach the admin API/);
    expectFailure(await cli(['--admin-url', `http://127.0.0.1:${closedPort}`, 'partners', 'list']), 3, /ECONNREFUSED/);
  });

  it('exports a lead to stdout or a file, and lists its consents with their evidence', async () => {
    const partner = await cliJson<{ apiKey: string }>(['partners', 'create', '--name', 'Consenting', '--slug', 'consenting', '--profile', 'canonical']);
    const consent = { text: 'Yes, email me offers.', ip: '203.0.113.9', timestamp: '2025-03-01T12:00:00Z' };
    const submitted = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace.hopper@example.com', firstName: 'Grace', consent }),
    });
    expect(submitted.status).toBe(202);
    const leadId = ((await submitted.json()) as { results: { leadId: string }[] }).results[0]!.leadId;
    await waitFor(async () => (await cli(['leads', 'show', leadId, '--json'])).code === 0, { description: 'the lead to be stored' });

    const printed = await cli(['leads', 'export', leadId]);
    expect(printed, printed.stderr).toMatchObject({ code: 0, stderr: '' });
    const exported = JSON.parse(printed.stdout) as { lead: { id: string; email: string }; rawSubmissions: { id: string; sha256: string }[] };
    expect(exported.lead).toMatchObject({ id: leadId, email: 'grace.hopper@example.com' });

    const directory = await mkdtemp(join(tmpdir(), 'leadrelay-export-'));
    try {
      const file = join(directory, 'grace.json');
      const written = await cli(['leads', 'export', leadId, '--out', file]);
      expect(written).toMatchObject({ code: 0, stderr: '', stdout: `Wrote the export of lead ${leadId} to ${file}\n` });
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ lead: exported.lead, rawSubmissions: exported.rawSubmissions });
      const unwritable = await cli(['leads', 'export', leadId, '--out', join(directory, 'missing', 'grace.json')]);
      expect(unwritable.code).toBe(1);
      expect(unwritable.stderr).toMatch(/^error: could not write .*ENOENT/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }

    const evidence = await cliJson<{ leadId: string; consents: { text: string; submissionId: string; submissionSha256: string }[] }>(['leads', 'consents', leadId]);
    expect(evidence.leadId).toBe(leadId);
    expect(evidence.consents).toEqual([expect.objectContaining({ text: consent.text, ip: consent.ip, timestampRaw: consent.timestamp })]);
    expect(evidence.consents[0]!.submissionSha256).toBe(exported.rawSubmissions.find((row) => row.id === evidence.consents[0]!.submissionId)!.sha256);
    const table = await cli(['leads', 'consents', leadId]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^RECEIVED\s+PARTNER\s+GIVEN\s+IP\s+SUBMISSION\s+SUBMISSION SHA-256\s+TEXT$/);
    expect(table.stdout).toContain(evidence.consents[0]!.submissionSha256);

    for (const command of ['export', 'consents']) {
      const unknown = await cli(['leads', command, randomUUID()]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error: no lead .*\(404 not_found\)\n$/);
      expect((await cli(['leads', command])).code).toBe(2);
    }
  });

  it('erases a person, waiting for the erasure and printing what it removed', async () => {
    const partner = await cliJson<{ apiKey: string }>(['partners', 'create', '--name', 'Forgetful', '--slug', 'forgetful', '--profile', 'canonical']);
    const submitted = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada.forgotten@example.com', firstName: 'Ada', consent: { text: 'yes' } }),
    });
    expect(submitted.status).toBe(202);
    const leadId = ((await submitted.json()) as { results: { leadId: string }[] }).results[0]!.leadId;
    await waitFor(async () => (await cli(['leads', 'show', leadId, '--json'])).code === 0, { description: 'the lead to be stored' });

    const erased = await cli(['leads', 'erase', '--email', 'Ada.Forgotten@example.com', '--reason', 'DSR-7']);
    expect(erased, erased.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(erased.stdout).toMatch(/status\s+completed/);
    expect(erased.stdout).toContain(leadId);
    expect(erased.stdout).toMatch(/^leads\s+1$/m);
    expect(erased.stdout).toMatch(/^consents\s+1$/m);
    const shown = await cli(['leads', 'show', leadId]);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toMatch(/was erased at .*\(410 erased\)/);
    // The erasure keeps the person out: the suppression list says so.
    expect(await cliJson(['suppressions', 'check', '--email', 'ada.forgotten@example.com'])).toEqual({ suppressed: true, email: true, phone: null });
    const directory = await mkdtemp(join(tmpdir(), 'leadrelay-suppressions-'));
    try {
      const file = join(directory, 'do-not-contact.txt');
      await writeFile(file, 'no.calls@example.com\n\n+1 415 555 0188\n');
      const imported = await cli(['suppressions', 'import', file]);
      expect(imported).toMatchObject({ code: 0, stderr: '', stdout: 'Added 2, 0 already suppressed.\n' });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    expect(await cliJson(['suppressions', 'check', '--phone', '4155550188'])).toMatchObject({ suppressed: true });
    expect(await cli(['suppressions', 'lift', '--phone', '4155550188'])).toMatchObject({ code: 0, stdout: 'Lifted 1.\n' });
    expect(await cliJson(['suppressions', 'check', '--phone', '4155550188'])).toMatchObject({ suppressed: false });
    // Names nobody: the API's 400, one line.
    const nobody = await cli(['leads', 'erase', '--reason', 'DSR-8']);
    expect(nobody.code).toBe(1);
    expect((await cli(['leads', 'erase', '--email', 'x@example.com'])).code).toBe(2);
  });
});
