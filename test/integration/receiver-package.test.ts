import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const receiverFolder = join(import.meta.dirname, '../../packages/receiver');

/**
 * @leadrelay/receiver as a CRM installs it: the packed tarball, in a project of its own that has
 * only the package's declared dependencies, run by plain Node (no TypeScript loader) and compiled
 * against its type declarations.
 */
describe('@leadrelay/receiver as published', () => {
  let project: string;
  let installed: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'leadrelay-receiver-consumer-'));
    await run('pnpm', ['pack', '--pack-destination', project], { cwd: receiverFolder });
    const [tarball] = (await readdir(project)).filter((name) => name.endsWith('.tgz'));
    installed = join(project, 'node_modules/@leadrelay/receiver');
    await mkdir(installed, { recursive: true });
    await run('tar', ['-xzf', join(project, tarball!), '-C', installed, '--strip-components=1']);
    // Only what the package declares (and the type packages a TypeScript consumer has anyway).
    for (const dependency of ['zod', 'fastify', 'typescript', '@types/node']) {
      const target = await realpath(join(receiverFolder, 'node_modules', dependency)).catch(() => realpath(join(receiverFolder, '../../node_modules', dependency)));
      await mkdir(join(project, 'node_modules', dependency, '..'), { recursive: true });
      await symlink(target, join(project, 'node_modules', dependency));
    }
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'crm', type: 'module', private: true }));
  }, 120_000);

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('declares no dependency on the rest of the monorepo and ships compiled JavaScript with its README', async () => {
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['zod']);
    expect(manifest.exports).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
    const files = await readdir(installed, { recursive: true });
    expect(files).toContain('README.md');
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    for (const file of files.filter((name) => name.endsWith('.js'))) {
      expect(await readFile(join(installed, file), 'utf8'), file).not.toMatch(/from '@leadrelay\/|\.ts'/);
    }
  });

  it('verifies a signed request under plain Node', async () => {
    await writeFile(
      join(project, 'verify.mjs'),
      `import { LeadRelayReceiver, signLeadRouterBody, signStandardWebhook, WebhookSignatureError } from '@leadrelay/receiver';
const body = JSON.stringify({ action: 'activity_added', id: 'lead-1', partner_id: '', site_uuid: 'u', site_domain: 'd',
  activities: [{ type: 'note', description: 'Called', source: 'CRM' }] });
const timestampSeconds = Math.floor(Date.now() / 1000);
const headers = { 'x-lead-router-message-id': 'm-1', 'x-lead-router-signature': signLeadRouterBody('s3cret-0123456789', body),
  'webhook-id': 'm-1', 'webhook-timestamp': String(timestampSeconds),
  'webhook-signature': signStandardWebhook({ messageId: 'm-1', timestampSeconds, body, secrets: ['s3cret-0123456789'] }) };
const receiver = new LeadRelayReceiver({ secrets: 's3cret-0123456789' });
let refused = false;
try { receiver.verify(body.replace('Called', 'Forged'), headers); } catch (error) { refused = error instanceof WebhookSignatureError; }
console.log(JSON.stringify({ action: receiver.verify(body, headers).lead.action, refused }));
`,
    );
    const { stdout } = await run(process.execPath, ['verify.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ action: 'activity_added', refused: true });
  });

  it('type-checks a TypeScript consumer against its declarations, narrowing the lead by action', async () => {
    await writeFile(
      join(project, 'consumer.ts'),
      `import Fastify from 'fastify';
import { fastifyLeadRelayReceiver, type LeadDocument } from '@leadrelay/receiver';
export function newActivities(lead: LeadDocument): number {
  if (lead.action === 'activity_added') return lead.activities.length;
  // @ts-expect-error activities may be absent from an update
  return lead.action === 'updated' ? lead.activities.length : lead.activities.length;
}
const app = Fastify();
await app.register(fastifyLeadRelayReceiver, { secrets: ['s'], onLead: async ({ lead, messageId }) => { void messageId.length; void newActivities(lead); } });
`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'] } }),
    );
    const typescript = join(project, 'node_modules/typescript/bin/tsc');
    const checked = await run(process.execPath, [typescript, '-p', 'tsconfig.json'], { cwd: project }).catch((error: { stdout: string }) => error);
    expect('stdout' in checked ? checked.stdout : '').toBe('');
  });
});
