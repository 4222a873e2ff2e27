import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresArrayLiteral } from '../../apps/worker/src/postgres-array-literal.ts';
import { columnArraySql, type Column } from '../../apps/worker/src/persist-tables.ts';
import { testServerUrl } from '../support/test-database.ts';

// The worker sends every column of a batch as one array literal it wrote itself: whatever a
// partner puts in a field must come back out of PostgreSQL exactly as it went in.
describe('postgresArrayLiteral', () => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: testServerUrl });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  const unnest = async (literal: string, cast: string) =>
    (await client.query<{ value: unknown }>(`SELECT value FROM unnest($1${cast}) WITH ORDINALITY AS t(value, n) ORDER BY n`, [literal])).rows.map((row) => row.value);

  it('keeps text with the characters the array syntax treats specially, and tells NULL from the word NULL', async () => {
    const values = [
      'plain',
      '',
      'NULL',
      'null',
      ' leading and trailing spaces ',
      'comma, {braces} and "quotes"',
      'back\\slash\\',
      '\\"',
      'tab\tand\nnewline',
      'Zoë 🦊 日本',
      null,
      '{"nested":"json \\"escaped\\""}',
    ];
    expect(await unnest(postgresArrayLiteral(values, 'quoted'), '::text[]')).toEqual(values);
  });

  it('keeps JSON documents, escapes and all', async () => {
    const documents = [{ note: 'say "hi"\\n', list: [1, '2', null], nested: { back: '\\', brace: '}{' } }, { empty: '' }];
    const values = [...documents.map((document) => JSON.stringify(document)), null];
    expect(await unnest(postgresArrayLiteral(values, 'quoted'), '::jsonb[]')).toEqual([...documents, null]);
  });

  it('writes uuids, integers and timestamps bare', async () => {
    const ids = [randomUUID(), null, randomUUID()];
    expect(postgresArrayLiteral(ids, 'bare')).toBe(`{${ids[0]},NULL,${ids[2]}}`);
    expect(await unnest(postgresArrayLiteral(ids, 'bare'), '::uuid[]')).toEqual(ids);
    expect(await unnest(postgresArrayLiteral([0, -7, 2147483647, null], 'bare'), '::int4[]')).toEqual([0, -7, 2147483647, null]);
    const at = '2026-11-30T05:06:07.089Z';
    const [stored] = await unnest(postgresArrayLiteral([at], 'bare'), '::timestamptz[]');
    expect((stored as Date).toISOString()).toBe(at);
  });

  describe('a jsonb column of a batch', () => {
    const documents = [{ note: 'say "hi"\\n', nested: { brace: '}{' } }, { list: [1, null] }, { empty: '' }];
    // SQL NULL comes back as 'SQL NULL', a JSON null document as null.
    const unnestColumn = async (sql: { text: string; values: unknown[] }) =>
      (await client.query<{ text: string | null }>(`SELECT value::text AS text FROM unnest(${sql.text}) WITH ORDINALITY AS t(value, n) ORDER BY n`, sql.values)).rows.map((row) =>
        row.text === null ? 'SQL NULL' : JSON.parse(row.text),
      );
    const column: Column<unknown> = { column: 'document', type: 'jsonb', value: (row) => JSON.stringify(row) };
    const nullable: Column<unknown> = { column: 'property', type: 'jsonb', nullableJson: true, value: (row) => (row === undefined ? null : JSON.stringify(row)) };

    it('keeps every document, in order, whether sent as one JSON array or, past its size limit, as an array literal', async () => {
      expect(await unnestColumn(columnArraySql(column, documents))).toEqual(documents);
      expect(await unnestColumn(columnArraySql(column, documents, { jsonArrayMaxChars: 10 }))).toEqual(documents);
    });

    it('stores a missing value of a nullable column, and a JSON null, as SQL NULL either way', async () => {
      const rows = [documents[0], undefined, null, documents[1]];
      expect(await unnestColumn(columnArraySql(nullable, rows))).toEqual([documents[0], 'SQL NULL', 'SQL NULL', documents[1]]);
      expect(await unnestColumn(columnArraySql(nullable, rows, { jsonArrayMaxChars: 10 }))).toEqual([documents[0], 'SQL NULL', 'SQL NULL', documents[1]]);
    });

    it('keeps a JSON null document in a column that is never SQL NULL', async () => {
      expect(await unnestColumn(columnArraySql(column, [null, documents[0]]))).toEqual([null, documents[0]]);
    });

    it('refuses a value that is not one JSON text rather than shift the rows after it', () => {
      expect(() => columnArraySql(column, [documents[0], undefined])).toThrow(/not a JSON text/);
      expect(() => columnArraySql({ ...column, value: () => null }, [documents[0]])).toThrow(/not a JSON text/);
    });
  });

  it('writes an empty array as {}', async () => {
    expect(postgresArrayLiteral([], 'quoted')).toBe('{}');
    expect(await unnest('{}', '::text[]')).toEqual([]);
  });
});
