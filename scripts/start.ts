/**
 * `pnpm start`: prepares the database, then runs intake, worker, dispatcher, admin and the portal in this
 * terminal and supervises them:
 * - an app that crashes is started again after a backoff, with a line saying so, and the others
 *   keep running; an app that keeps crashing before it is up stops everything (exit 1);
 * - Ctrl-C, SIGTERM or a closed terminal (SIGHUP) stops them all cleanly, in one go (exit 0);
 * - no app outlives this process: each watches its IPC channel to it and stops when it closes, so
 *   a SIGKILLed supervisor leaves no app holding its port (packages/lifecycle runService).
 *
 * package.json runs it as `exec node --import tsx scripts/start.ts`: with `exec` the shell pnpm runs
 * scripts in is replaced by this process. Without it, Ctrl-C also reaches that shell, which dies of
 * the SIGINT however cleanly this process exits, and pnpm then reports `ELIFECYCLE Command failed`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { RedisTargetEnvSchema, loadEnv, redisTargetOf } from '@leadrelay/config';
import { DependencyUnavailableError, checkRedisReachable } from '@leadrelay/lifecycle';
import { prepareDatabase } from './prepare-database.ts';
import { appCommand, type LeadRelayAppName } from './app-command.ts';

const apps: readonly LeadRelayAppName[] = ['intake', 'worker', 'dispatcher', 'admin', 'portal'];
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/leadrelay';
const redisTarget = redisTargetOf(loadEnv(RedisTargetEnvSchema));

/** An app up for this long before it crashed starts its backoff again from the first wait. */
const stableAfterMs = 10_000;
/** Crashes in a row before the app was up (its 'ready' message) after which the supervisor gives up. */
const maxCrashesAtStart = 5;
/** Waits before a restart: doubling from the first, up to the last. */
const firstRestartDelayMs = 500;
const maxRestartDelayMs = 30_000;

try {
  await checkRedisReachable(redisTarget);
  await prepareDatabase(databaseUrl);
} catch (error) {
  process.stderr.write(`${error instanceof DependencyUnavailableError ? error.message : String(error)}\n`);
  process.exit(1);
}

interface Supervised {
  child: ChildProcess | null;
  startedAtMs: number;
  /** The running child said it is up (runService sends 'ready' over the IPC channel). */
  ready: boolean;
  /** Crashes in a row before the app was up. */
  crashesAtStart: number;
  /** Restarts since the app last ran stably: sets the next backoff. */
  restarts: number;
  restartTimer: NodeJS.Timeout | null;
}

const supervised = new Map<LeadRelayAppName, Supervised>(
  apps.map((app) => [app, { child: null, startedAtMs: 0, ready: false, crashesAtStart: 0, restarts: 0, restartTimer: null }]),
);
let stopping = false;
let exitCode = 0;

function say(line: string): void {
  process.stderr.write(`leadrelay start: ${line}\n`);
}

function startApp(app: LeadRelayAppName): void {
  const state = supervised.get(app)!;
  const { args, cwd } = appCommand(app);
  const child = spawn(process.execPath, args, {
    cwd,
    // The IPC channel is how the app knows this supervisor is alive.
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    // Own process group: Ctrl-C reaches only this supervisor, which stops the apps once, in order.
    detached: true,
    env: { ...process.env, LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json') },
  });
  state.child = child;
  state.startedAtMs = Date.now();
  state.ready = false;
  say(`${app} started (pid ${child.pid})`);
  child.on('message', (message) => {
    if (message === 'ready' && state.child === child) state.ready = true;
  });
  child.on('exit', (code, signal) => onExit(app, child, code, signal));
}

function onExit(app: LeadRelayAppName, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
  const state = supervised.get(app)!;
  if (state.child === child) state.child = null;
  const how = signal ?? `code ${code}`;
  if (stopping) {
    if (code !== 0) exitCode = 1;
    exitWhenAllStopped();
    return;
  }
  // Up or not is what the app said, not a time: a machine under load can take long to start.
  if (state.ready) state.crashesAtStart = 0;
  else state.crashesAtStart += 1;
  if (state.ready && Date.now() - state.startedAtMs >= stableAfterMs) state.restarts = 0;
  if (state.crashesAtStart >= maxCrashesAtStart) {
    say(`${app} exited (${how}) ${state.crashesAtStart} times in a row while starting; giving up and stopping the others`);
    exitCode = 1;
    stopAll();
    return;
  }
  const delayMs = Math.min(firstRestartDelayMs * 2 ** state.restarts, maxRestartDelayMs);
  state.restarts += 1;
  say(`${app} exited (${how}); restarting it in ${delayMs} ms, the others keep running`);
  state.restartTimer = setTimeout(() => {
    state.restartTimer = null;
    if (!stopping) startApp(app);
  }, delayMs);
}

function stopAll(): void {
  // Once: Ctrl-C reaches this process both from the terminal and as pnpm passes it on, and a
  // second SIGTERM makes an app give up its clean shutdown (runService exits 1 on it).
  if (stopping) return;
  stopping = true;
  for (const state of supervised.values()) {
    if (state.restartTimer) clearTimeout(state.restartTimer);
    state.restartTimer = null;
    state.child?.kill('SIGTERM');
  }
  exitWhenAllStopped();
}

function exitWhenAllStopped(): void {
  if ([...supervised.values()].every((state) => state.child === null)) process.exit(exitCode);
}

for (const app of apps) startApp(app);
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
process.on('SIGHUP', stopAll);
