import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '@leadrelay/credentials';
import { encryptLegacy, legacyKeyMaterial } from '../fixtures/legacy-secret-ciphertexts.ts';
import { databaseBeforeMigration, type DatabaseBeforeMigration } from '../support/migration-database.ts';

const secretBytesMigration = '20261205090000_destination_secret_bytes';

// An upgrade warns about the weak secrets already stored, without a key to decrypt them.
describe(`migration ${secretBytesMigration}`, () => {
  let database: DatabaseBeforeMigration;

  beforeAll(async () => {
    database = await databaseBeforeMigration(secretBytesMigration);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('stores the UTF-8 length of every secret in force, in either ciphertext format', async () => {
    const box = new SecretBox(['a-key-of-this-deployment-0123456789']);
    // 1 to 256 bytes, both sides of the 16-byte warning, and characters of two bytes.
    const secrets = ['1', '12345', 'fifteen-bytes!!', 'sixteen-bytes!!!', 'é'.repeat(10), 'x'.repeat(256)];
    const rows = [
      ...secrets.map((secret) => ({ id: randomUUID(), ciphertext: box.encrypt(secret), bytes: Buffer.byteLength(secret) })),
      ...secrets.map((secret) => ({ id: randomUUID(), ciphertext: encryptLegacy(legacyKeyMaterial, secret), bytes: Buffer.byteLength(secret) })),
    ];
    for (const row of rows) {
      await database.sql.query(`INSERT INTO destinations (id, name, url, secret_ciphertext, updated_at) VALUES ($1, 'CRM', 'https://crm.example/hooks', $2, now())`, [
        row.id,
        row.ciphertext,
      ]);
    }

    await database.applyMigration();

    const { rows: migrated } = await database.sql.query<{ id: string; secret_bytes: number }>('SELECT id, secret_bytes FROM destinations');
    expect(Object.fromEntries(migrated.map((row) => [row.id, row.secret_bytes]))).toEqual(Object.fromEntries(rows.map((row) => [row.id, row.bytes])));
  });
});
