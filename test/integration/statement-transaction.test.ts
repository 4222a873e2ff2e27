import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma, createDatabaseClient, runStatement, withStatementTransaction, type DatabaseClient } from '@leadrelay/db';
import { classifyDatabaseError, describeDatabaseError } from '../../apps/worker/src/database-error.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// The worker's hot path runs its SQL on Prisma's driver adapter directly: these are the
// guarantees it relies on, checked against the real PostgreSQL.
describe('withStatementTransaction', () => {
  let database: TestDatabase;
  let db: DatabaseClient;
  let observer: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection: a transaction that did not give its connection back would stall the next.
    db = createDatabaseClient({ databaseUrl: database.url, poolSize: 1 });
    observer = new pg.Client({ connectionString: database.url });
    await observer.connect();
  });

  afterAll(async () => {
    await observer?.end();
    await db?.$disconnect();
    await database?.drop();
  });

  const insertPartner = (id: string, slug: string) => Prisma.sql`
    INSERT INTO partners (id, name, slug, profile, api_key_hash, api_key_prefix, secret_ciphertext, site_uuid, site_domain, site_login_url, updated_at)
    VALUES (${id}::uuid, 'Statement Partner', ${slug}, 'canonical', ${randomUUID()}, 'lr_test', 'unused', ${randomUUID()}::uuid, 'example.com', 'https://example.com', now())`;
  const partnerCount = async (slug: string) => Number((await observer.query('SELECT count(*) AS n FROM partners WHERE slug = $1', [slug])).rows[0].n);

  it('commits every statement of the work together', async () => {
    const slug = `commit-${randomUUID()}`;
    const id = randomUUID();
    const seenInside = await withStatementTransaction(db, async (tx) => {
      await tx.query(insertPartner(id, slug));
      return tx.query<{ id: string }>(Prisma.sql`SELECT id FROM partners WHERE slug = ${slug}`);
    });
    expect(seenInside).toEqual([{ id }]);
    expect(await partnerCount(slug)).toBe(1);
  });

  it('rolls everything back when the work throws, and gives its connection back', async () => {
    const slug = `rollback-${randomUUID()}`;
    await expect(
      withStatementTransaction(db, async (tx) => {
        await tx.query(insertPartner(randomUUID(), slug));
        throw new Error('planned failure');
      }),
    ).rejects.toThrow('planned failure');
    expect(await partnerCount(slug)).toBe(0);
    // The pool has one connection: this only runs if the failed transaction released it.
    expect(await withStatementTransaction(db, (tx) => tx.query<{ one: number }>(Prisma.sql`SELECT 1 AS one`))).toEqual([{ one: 1 }]);
  });

  it('decodes rows as $queryRaw does: json parsed, timestamps as Dates, int8 as bigint', async () => {
    const [row] = await withStatementTransaction(db, (tx) =>
      tx.query<Record<string, unknown>>(Prisma.sql`
        SELECT '{"a":[1,"x"]}'::jsonb AS document, timestamp '2026-01-02 03:04:05.678' AS "at", 9007199254740993::int8 AS big,
               7::int4 AS small, true AS flag, NULL::text AS nothing, ${['a', 'b']}::text[] AS texts`),
    );
    expect(row).toEqual({
      document: { a: [1, 'x'] },
      at: new Date('2026-01-02T03:04:05.678Z'),
      big: 9007199254740993n,
      small: 7,
      flag: true,
      nothing: null,
      texts: ['a', 'b'],
    });
  });

  it('reports a unique violation as a conflict the worker plans again, without the values', async () => {
    const slug = `conflict-${randomUUID()}`;
    await withStatementTransaction(db, (tx) => tx.query(insertPartner(randomUUID(), slug)));
    const error = await withStatementTransaction(db, (tx) => tx.query(insertPartner(randomUUID(), slug))).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(classifyDatabaseError(error)).toBe('conflict');
    expect(describeDatabaseError(error)).toMatch(/^23505: /);
    expect(describeDatabaseError(error)).not.toContain(slug);
    expect(await partnerCount(slug)).toBe(1);
  });

  it('runs a single statement on its own: committed at once, rows decoded the same way, errors the same', async () => {
    const slug = `single-${randomUUID()}`;
    const id = randomUUID();
    const returned = await runStatement<{ id: string; created: Date }>(
      db,
      Prisma.sql`${insertPartner(id, slug)} RETURNING id, timestamp '2026-01-02 03:04:05.678' AS created`,
    );
    expect(returned).toEqual([{ id, created: new Date('2026-01-02T03:04:05.678Z') }]);
    expect(await partnerCount(slug)).toBe(1);
    const error = await runStatement(db, insertPartner(randomUUID(), slug)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(classifyDatabaseError(error)).toBe('conflict');
    expect(await partnerCount(slug)).toBe(1);
  });

  it('plans key look-ups as index scans when asked to, also on a table without statistics', async () => {
    const planOf = (keyLookupsOnly: boolean) =>
      withStatementTransaction(
        db,
        async (tx) =>
          (await tx.query<{ 'QUERY PLAN': string }>(Prisma.sql`EXPLAIN SELECT id FROM partners WHERE slug = ANY(${['a', 'b']}::text[])`))
            .map((row) => row['QUERY PLAN'])
            .join('\n'),
        { keyLookupsOnly },
      );
    expect(await planOf(false)).toContain('Seq Scan');
    expect(await planOf(true)).not.toContain('Seq Scan');
  });

  it('cancels a statement that runs past its timeout, as unavailable rather than bad data', async () => {
    const error = await withStatementTransaction(db, (tx) => tx.query(Prisma.sql`SELECT pg_sleep(5)`), { statementTimeoutMs: 50 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(describeDatabaseError(error)).toMatch(/^57014: /);
    expect(classifyDatabaseError(error)).toBe('unavailable');
  });
});
