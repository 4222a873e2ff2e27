import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBeforeMigration, type DatabaseBeforeMigration } from '../support/migration-database.ts';

const outboxMigration = '20261130040000_outbox_entries';

// An upgrade must not lose an event that was committed but not yet in Redis when it ran.
describe(`migration ${outboxMigration}`, () => {
  let database: DatabaseBeforeMigration;
  let sql: pg.Client;

  beforeAll(async () => {
    database = await databaseBeforeMigration(outboxMigration);
    sql = database.sql;
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('puts the events not enqueued yet on the outbox list, and only those', async () => {
    const partnerId = randomUUID();
    const leadId = randomUUID();
    const [enqueued, waiting] = [randomUUID(), randomUUID()];
    await sql.query(
      `INSERT INTO partners (id, name, slug, profile, api_key_hash, api_key_prefix, secret_ciphertext, site_uuid, site_domain, site_login_url, updated_at)
       VALUES ($1, 'Upgrade', 'upgrade', 'canonical', 'hash', 'lr_up', 'unused', $2, 'example.com', 'https://example.com', now())`,
      [partnerId, randomUUID()],
    );
    await sql.query(`INSERT INTO leads (id, email, partner_id, updated_at) VALUES ($1, 'upgrade@example.com', $2, now())`, [leadId, partnerId]);
    await sql.query(
      `INSERT INTO events (id, lead_id, type, submission_id, partner_slug, document, created_at, enqueued_at)
       VALUES ($1, $3, 'created', gen_random_uuid(), 'upgrade', '{}', now() - interval '1 minute', now()),
              ($2, $3, 'activity_added', gen_random_uuid(), 'upgrade', '{}', now() - interval '30 seconds', NULL)`,
      [enqueued, waiting, leadId],
    );

    await database.applyMigration();

    const entries = await sql.query<{ event_id: string; same_time: boolean }>(
      `SELECT entry.event_id, entry.created_at = event.created_at AS same_time
       FROM outbox_entries AS entry JOIN events AS event ON event.id = entry.event_id`,
    );
    expect(entries.rows).toEqual([{ event_id: waiting, same_time: true }]);
    const columns = await sql.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'enqueued_at'`);
    expect(columns.rows).toEqual([]);
  });
});
