import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropDatabase } from '@leadrelay/db';
import { freePort } from '../support/free-port.ts';
import { databaseUrlFor } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const portNames = ['INTAKE_PORT', 'INTAKE_METRICS_PORT', 'ADMIN_PORT', 'WORKER_HEALTH_PORT', 'DISPATCHER_HEALTH_PORT', 'PORTAL_PORT', 'PORTAL_METRICS_PORT'] as const;
type Ports = Record<(typeof portNames)[number], number>;

interface Supervisor {
  child: ChildProcess;
  /** What the supervisor said on stderr so far. */
  stderr: () => string;
  /** Pids of each app's starts, in order, from the supervisor's "started (pid N)" lines. */
  pids: (app: string) => number[];
  exited: Promise<number | null>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

/**
 * `pnpm start` supervises its five apps: a crash restarts only the app that crashed, an app that
 * keeps crashing at start stops everything, and no app outlives a supervisor that was SIGKILLed.
 */
describe('pnpm start supervising the apps', () => {
  const databaseUrl = databaseUrlFor(`leadrelay_supervise_${randomBytes(4).toString('hex')}`);
  const queuePrefix = createQueuePrefix();
  const leftovers: number[] = [];
  const blockers: Server[] = [];

  afterEach(() => {
    for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    for (const blocker of blockers.splice(0)) blocker.close();
  });

  afterAll(async () => {
    await dropDatabase(databaseUrl);
    await deleteRedisKeys(queuePrefix);
  });

  async function freePorts(): Promise<Ports> {
    const ports = {} as Ports;
    for (const name of portNames) ports[name] = await freePort();
    return ports;
  }

  /** What `pnpm start` is run with here: this test's database, Redis prefix and spare ports. */
  function startEnv(ports: Ports): NodeJS.ProcessEnv {
    return {
      ...process.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: queuePrefix,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    };
  }

  function startSupervisor(ports: Ports): Supervisor {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repositoryRoot, 'scripts/start.ts')], {
      cwd: repositoryRoot,
      env: { ...startEnv(ports), LOG_FORMAT: 'json' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const pids = (app: string) => [...stderr.matchAll(new RegExp(`${app} started \\(pid (\\d+)\\)`, 'g'))].map((match) => Number(match[1]));
    return { child, stderr: () => stderr, pids, exited };
  }

  async function allReady(ports: Ports): Promise<void> {
    for (const port of Object.values(ports)) {
      await waitFor(() => ready(port), { timeoutMs: 90_000, intervalMs: 200, description: `the app on port ${port} to be ready` });
    }
  }

  it('restarts a crashed app alone, with a line saying so, while the others keep answering', async () => {
    const ports = await freePorts();
    const supervisor = startSupervisor(ports);
    try {
      await allReady(ports);
      const [dispatcherPid] = supervisor.pids('dispatcher');
      const intakePids = supervisor.pids('intake');
      process.kill(dispatcherPid!, 'SIGKILL');

      // Until the dispatcher is back, intake keeps answering: its /readyz never fails meanwhile.
      let intakeFailures = 0;
      await waitFor(
        async () => {
          if (!(await ready(ports.INTAKE_PORT))) intakeFailures += 1;
          return supervisor.pids('dispatcher').length === 2 && (await ready(ports.DISPATCHER_HEALTH_PORT));
        },
        { timeoutMs: 60_000, intervalMs: 100, description: 'the dispatcher restarted and ready' },
      );
      expect(intakeFailures).toBe(0);
      expect(supervisor.stderr()).toMatch(/dispatcher exited \(SIGKILL\); restarting it in \d+ ms, the others keep running/);
      expect(supervisor.pids('intake')).toEqual(intakePids);

      supervisor.child.kill('SIGINT');
      expect(await supervisor.exited).toBe(0);
      for (const port of Object.values(ports)) expect(await ready(port)).toBe(false);
    } finally {
      if (supervisor.child.exitCode === null) supervisor.child.kill('SIGKILL');
    }
  }, 180_000);

  it('leaves no app running when the supervisor itself is SIGKILLed', async () => {
    const ports = await freePorts();
    const supervisor = startSupervisor(ports);
    await allReady(ports);
    const appPids = ['intake', 'worker', 'dispatcher', 'admin', 'portal'].flatMap((app) => supervisor.pids(app));
    expect(appPids).toHaveLength(5);
    leftovers.push(...appPids);
    supervisor.child.kill('SIGKILL');
    await supervisor.exited;
    await waitFor(() => appPids.every((pid) => !isAlive(pid)), { timeoutMs: 20_000, description: 'every app to stop after its supervisor' });
    for (const port of Object.values(ports)) expect(await ready(port)).toBe(false);
  }, 180_000);

  it('stops everything on Ctrl-C in a terminal, and pnpm reports no failure for it', async () => {
    const ports = await freePorts();
    // `script` (util-linux) gives `pnpm start` a terminal; the Ctrl-C character written to it is
    // turned into SIGINT for the terminal's foreground processes, as a person pressing it would.
    // `exec`: script runs the command through $SHELL, /bin/sh (dash) when unset, as in CI, and a
    // dash left waiting dies of the SIGINT itself. A person's interactive shell does not: it
    // reports the exit status of pnpm, the process whose status this test is about.
    const terminal = spawn('script', ['-qfec', 'exec pnpm start', '/dev/null'], {
      cwd: repositoryRoot,
      env: startEnv(ports),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    terminal.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    terminal.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => terminal.on('exit', (code) => resolve(code)));
    try {
      await allReady(ports);
      leftovers.push(...[...output.matchAll(/started \(pid (\d+)\)/g)].map((match) => Number(match[1])));
      terminal.stdin!.write('\x03');
      expect(await exited, output).toBe(0);
      expect(output).not.toMatch(/ELIFECYCLE|Command failed/);
      for (const port of Object.values(ports)) expect(await ready(port)).toBe(false);
    } finally {
      if (terminal.exitCode === null) terminal.kill('SIGKILL');
    }
  }, 180_000);

  it('gives up, stopping everything, when an app keeps crashing as it starts', async () => {
    const ports = await freePorts();
    // The dispatcher's health port is taken: it exits at every start.
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(ports.DISPATCHER_HEALTH_PORT, '127.0.0.1', resolve));
    const supervisor = startSupervisor(ports);
    try {
      expect(await supervisor.exited).toBe(1);
      expect(supervisor.pids('dispatcher')).toHaveLength(5);
      expect(supervisor.stderr()).toMatch(/dispatcher exited \(code 1\) 5 times in a row while starting; giving up and stopping the others/);
      const appPids = ['intake', 'worker', 'admin', 'portal'].flatMap((app) => supervisor.pids(app));
      leftovers.push(...appPids);
      await waitFor(() => appPids.every((pid) => !isAlive(pid)), { timeoutMs: 20_000, description: 'the other apps to stop' });
    } finally {
      if (supervisor.child.exitCode === null) supervisor.child.kill('SIGKILL');
    }
  }, 180_000);
});
