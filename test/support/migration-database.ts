import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { dropDatabase, ensureDatabaseExists } from '@leadrelay/db';
import { databaseUrlFor } from './test-database.ts';

const migrationsDirectory = join(dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');

/** A database of its own holding the schema as the migrations before one migration left it. */
export interface DatabaseBeforeMigration {
  /** Connected to that database, for the rows the migration is to carry over and for assertions. */
  sql: pg.Client;
  /** Runs the migration under test. */
  applyMigration(): Promise<void>;
  drop(): Promise<void>;
}

/** For testing what a migration does to rows stored before it (an upgrade must not lose them). */
export async function databaseBeforeMigration(migration: string): Promise<DatabaseBeforeMigration> {
  const databaseUrl = databaseUrlFor(`leadrelay_test_migration_${randomBytes(6).toString('hex')}`);
  await ensureDatabaseExists(databaseUrl);
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  const names = (await readdir(migrationsDirectory)).filter((name) => /^\d{14}_/.test(name)).sort();
  if (!names.includes(migration)) throw new Error(`no migration ${migration} in ${migrationsDirectory}`);
  const migrationSql = (name: string) => readFile(join(migrationsDirectory, name, 'migration.sql'), 'utf8');
  for (const name of names.slice(0, names.indexOf(migration))) await sql.query(await migrationSql(name));
  return {
    sql,
    applyMigration: async () => {
      await sql.query(await migrationSql(migration));
    },
    drop: async () => {
      await sql.end();
      await dropDatabase(databaseUrl);
    },
  };
}
