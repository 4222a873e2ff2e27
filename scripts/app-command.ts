import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export type LeadRelayAppName = 'intake' | 'worker' | 'dispatcher' | 'admin' | 'portal';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Node flags every app runs with, however it is started: `pnpm start` (scripts/start.ts), the
 * tests and the bench (test/support/app-process.ts), both through `appCommand`, and
 * `pnpm --filter <app> start`, whose package.json scripts spell the same flags out (a
 * package.json cannot import them).
 *
 * `--max-semi-space-size=64`: a young generation of 64 MiB semi-spaces instead of 16. Every lead
 * makes many short-lived objects (parsed JSON, job payloads, query parameters, signatures); with
 * the default, the young generation filled several times a second and scavenges took 15-18% of a
 * dispatcher's CPU. Measured with bench/dispatch.ts and bench/intake-accept.ts: dispatcher CPU per
 * delivery 0.20 -> 0.17 ms, intake 0.071 -> 0.060 ms per request. Costs up to ~100 MiB more RSS per app.
 */
export const appNodeFlags: readonly string[] = ['--max-semi-space-size=64'];

/**
 * How to run one app as its own process with this Node: the arguments after `node`, and its
 * folder. `extraNodeFlags` come after the apps' own, so a bench can try another value of one.
 */
export function appCommand(app: LeadRelayAppName, extraNodeFlags: readonly string[] = []): { args: string[]; cwd: string } {
  const cwd = join(repositoryRoot, 'apps', app);
  return { args: [...appNodeFlags, ...extraNodeFlags, '--import', 'tsx', join(cwd, 'src/server.ts')], cwd };
}
