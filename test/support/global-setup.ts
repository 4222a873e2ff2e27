import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { dropDatabase, ensureDatabaseExists } from '@leadrelay/db';
import { checkPostgresReachable, checkRedisReachable } from '@leadrelay/lifecycle';
import { databaseUrlFor, templateDatabaseName, testServerUrl } from './test-database.ts';
import { testRedisUrl } from './test-redis.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Fails fast with one clear line when the services are down, then builds the template database. */
export default async function setup(): Promise<void> {
  await checkRedisReachable(testRedisUrl);
  await checkPostgresReachable(testServerUrl);
  const templateUrl = databaseUrlFor(templateDatabaseName);
  await dropDatabase(templateUrl);
  await ensureDatabaseExists(templateUrl);
  const result = spawnSync(join(repositoryRoot, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: templateUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`migrating the test template failed:\n${result.stdout}\n${result.stderr}`);
}
