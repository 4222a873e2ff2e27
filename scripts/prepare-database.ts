/**
 * Creates the database when it is missing and applies every committed migration
 * (`prisma migrate deploy`). Safe to run any number of times.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ensureDatabaseExists, maintenanceUrlFor } from '@leadrelay/db';
import { checkPostgresReachable, DependencyUnavailableError } from '@leadrelay/lifecycle';
import { redactUrlPassword } from '@leadrelay/config';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function prepareDatabase(databaseUrl: string): Promise<void> {
  const { maintenanceUrl } = maintenanceUrlFor(databaseUrl);
  await checkPostgresReachable(maintenanceUrl);
  const created = await ensureDatabaseExists(databaseUrl);
  if (created) process.stdout.write(`created database ${redactUrlPassword(databaseUrl)}\n`);
  const result = spawnSync(join(repositoryRoot, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`prisma migrate deploy failed:\n${result.stdout}\n${result.stderr}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/leadrelay';
  try {
    await prepareDatabase(databaseUrl);
    process.stdout.write('database is up to date\n');
  } catch (error) {
    process.stderr.write(`${error instanceof DependencyUnavailableError ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
