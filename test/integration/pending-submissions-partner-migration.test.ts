import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBeforeMigration, type DatabaseBeforeMigration } from '../support/migration-database.ts';

const partnerMigration = '20261202170000_pending_submissions_partner_and_expiry';

// An upgrade keeps the activities already waiting, each under the partner that sent it.
describe(`migration ${partnerMigration}`, () => {
  let database: DatabaseBeforeMigration;
  let sql: pg.Client;

  beforeAll(async () => {
    database = await databaseBeforeMigration(partnerMigration);
    sql = database.sql;
  });

  afterAll(async () => {
    await database?.drop();
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

    await database.applyMigration();

    const migrated = await sql.query<{ id: string; partner_id: string }>('SELECT id, partner_id FROM pending_submissions ORDER BY id');
    expect(migrated.rows).toEqual(rows.map((row) => ({ id: row.id, partner_id: row.partnerId })).sort((a, b) => a.id.localeCompare(b.id)));
    const column = await sql.query(`SELECT is_nullable FROM information_schema.columns WHERE table_name = 'pending_submissions' AND column_name = 'partner_id'`);
    expect(column.rows).toEqual([{ is_nullable: 'NO' }]);
  });
});
