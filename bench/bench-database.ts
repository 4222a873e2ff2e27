import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { dropDatabase, ensureDatabaseExists, maintenanceUrlFor } from '@leadrelay/db';
import { checkPostgresReachable } from '@leadrelay/lifecycle';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the bench's databases live; the same server the tests use. */
export const benchServerUrl = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  name: string;
  /** Drops this database, and only this one. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of its own for one bench run. It is made with `prisma migrate
 * deploy` rather than copied from the tests' template, because the test suite drops and
 * rebuilds that template while other engineers run it, and a copy would race with that.
 */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `leadrelay_bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(benchServerUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await checkPostgresReachable(maintenanceUrlFor(databaseUrl).maintenanceUrl);
  await ensureDatabaseExists(databaseUrl);
  const drop = () => dropDatabase(databaseUrl);
  const result = spawnSync(join(repositoryRoot, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) {
    await drop();
    throw new Error(`prisma migrate deploy failed for the bench database:\n${result.stdout}\n${result.stderr}`);
  }
  return { url: databaseUrl, name, drop };
}
