import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { dropDatabase, ensureDatabaseExists } from '@leadrelay/db';
import { checkPostgresReachable, checkRedisReachable } from '@leadrelay/lifecycle';
import { databaseUrlFor, templateDatabaseName, testServerUrl } from './test-database.ts';
import { testRedisUrl } from './test-redis.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Fails fast with one clear line when the services are down, then builds this run's template
 * database; returns the teardown that drops it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  await checkRedisReachable(testRedisUrl);
  await checkPostgresReachable(testServerUrl);
  process.env.LEADRELAY_TEST_TEMPLATE_DATABASE = `leadrelay_test_template_${randomBytes(4).toString('hex')}`;
  const templateUrl = databaseUrlFor(templateDatabaseName());
  await ensureDatabaseExists(templateUrl);
  const result = spawnSync(join(repositoryRoot, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: templateUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`migrating the test template failed:\n${result.stdout}\n${result.stderr}`);
  return () => dropDatabase(templateUrl);
}
