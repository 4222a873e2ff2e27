/**
 * `pnpm start`: prepares the database, then runs intake, worker, dispatcher and admin in this
 * terminal. Ctrl-C (or SIGTERM) stops them all cleanly; if one dies, the others are stopped too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DependencyUnavailableError, checkRedisReachable } from '@leadrelay/lifecycle';
import { prepareDatabase } from './prepare-database.ts';
import { appCommand } from './app-command.ts';

const apps = ['intake', 'worker', 'dispatcher', 'admin'] as const;
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/leadrelay';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

try {
  await checkRedisReachable(redisUrl);
  await prepareDatabase(databaseUrl);
} catch (error) {
  process.stderr.write(`${error instanceof DependencyUnavailableError ? error.message : String(error)}\n`);
  process.exit(1);
}

const children = new Map<string, ChildProcess>();
let stopping = false;
let exitCode = 0;

for (const app of apps) {
  const { args, cwd } = appCommand(app);
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: 'inherit',
    // Own process group: Ctrl-C reaches only this supervisor, which stops the apps once, in order.
    detached: true,
    env: { ...process.env, LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json') },
  });
  children.set(app, child);
  child.on('exit', (code, signal) => {
    children.delete(app);
    if (!stopping) {
      process.stderr.write(`${app} exited (${signal ?? `code ${code}`}); stopping the others\n`);
      exitCode = 1;
      stopAll();
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

function stopAll() {
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
}

process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
