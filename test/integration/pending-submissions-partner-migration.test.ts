import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, ensureDatabaseExists } from '@leadrelay/db';
import { databaseUrlFor } from '../support/test-database.ts';

const migrationsDirectory = join(dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');
const partnerMigration = '20261202170000_pending_submissions_partner_and_expiry';

const migrationSql = (name: string) => readFile(join(migrationsDirectory, name, 'migration.sql'), 'utf8');

// An upgrade keeps the activities already waiting, each under the partner that sent it.
describe(`migration ${partnerMigration}`, () => {
  const databaseUrl = databaseUrlFor(`leadrelay_test_migration_${randomBytes(6).toString('hex')}`);
  const sql = new pg.Client({ connectionString: databaseUrl });

  beforeAll(async () => {
    await ensureDatabaseExists(databaseUrl);
    await sql.connect();
    // The schema as the migrations before this one left it.
    const names = (await readdir(migrationsDirectory)).filter((name) => /^\d{14}_/.test(name)).sort();
    expect(names).toContain(partnerMigration);
    for (const name of names.slice(0, names.indexOf(partnerMigration))) await sql.query(await migrationSql(name));
  });

  afterAll(async () => {
    await sql.end();
    await dropDatabase(databaseUrl);
  });

  it('gives every pending submission the partner its payload names, and makes the column required', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const rows = [
      { id: randomUUID(), partnerId: first },
      { id: randomUUID(), partnerId: second },
      { id: randomUUID(), partnerId: first },
    ];
    for (const row of rows) {
      await sql.query(
        `INSERT INTO pending_submissions (id, lead_id, payload, received_at) VALUES ($1, gen_random_uuid(), $2, now())`,
        [row.id, JSON.stringify({ submissionId: row.id, partnerId: row.partnerId, activities: [] })],
      );
    }

    await sql.query(await migrationSql(partnerMigration));

    const migrated = await sql.query<{ id: string; partner_id: string }>('SELECT id, partner_id FROM pending_submissions ORDER BY id');
    expect(migrated.rows).toEqual(rows.map((row) => ({ id: row.id, partner_id: row.partnerId })).sort((a, b) => a.id.localeCompare(b.id)));
    const column = await sql.query(`SELECT is_nullable FROM information_schema.columns WHERE table_name = 'pending_submissions' AND column_name = 'partner_id'`);
    expect(column.rows).toEqual([{ is_nullable: 'NO' }]);
  });
});
