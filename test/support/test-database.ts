import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dropDatabase, maintenanceUrlFor } from '@leadrelay/db';

/** The server tests run against; CI and developers have PostgreSQL here. */
export const testServerUrl = process.env.TEST_DATABASE_SERVER_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Migrated once per test run by the global setup; every test file copies it. Each run has its
 * own (the global setup names it in the environment), so concurrent runs never share one.
 */
export function templateDatabaseName(): string {
  return process.env.LEADRELAY_TEST_TEMPLATE_DATABASE ?? 'leadrelay_test_template';
}

export function databaseUrlFor(name: string): string {
  const url = new URL(testServerUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database of its own for one test file, copied from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `leadrelay_test_${randomBytes(6).toString('hex')}`;
  const { maintenanceUrl } = maintenanceUrlFor(databaseUrlFor(name));
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(templateDatabaseName())}`);
  } finally {
    await client.end();
  }
  const url = databaseUrlFor(name);
  return { url, drop: () => dropDatabase(url) };
}
