import { Prisma } from '@leadrelay/db';
import { postgresArrayLiteral, type ArrayElementQuoting } from './postgres-array-literal.ts';

/**
 * The tables a batch writes, described once so that every batched statement is typed: each
 * column names its PostgreSQL type and how a row supplies its value.
 *
 * Batches are written with `INSERT ... SELECT FROM unnest($1::uuid[], $2::text[], ...)`: one
 * array parameter per column whatever the number of rows, so the statement is small and planned
 * once. Prisma's `createMany` would express most of these inserts too, but measured here it
 * wrote 500-row batches about four times slower than the same statement as raw SQL (its JS
 * engine maps every row and binds every value separately), it cannot put all of a batch's
 * writes in one statement, and it cannot express an update of many rows to different values.
 */
export type SqlType = 'uuid' | 'text' | 'int4' | 'jsonb' | 'timestamp' | 'event_type';

const arrayCast: Record<SqlType, string> = {
  uuid: '::uuid[]',
  text: '::text[]',
  int4: '::int4[]',
  jsonb: '::jsonb[]',
  // Timestamps travel as ISO strings; PostgreSQL ignores the zone for `timestamp`, so they are stored as UTC.
  timestamp: '::timestamp(3)[]',
  event_type: '::"EventType"[]',
};

const elementQuoting: Record<SqlType, ArrayElementQuoting> = {
  uuid: 'bare',
  text: 'quoted',
  int4: 'bare',
  // Only past jsonArrayMaxChars: JSON columns usually go as one JSON array (jsonbArraySql).
  jsonb: 'quoted',
  timestamp: 'bare',
  event_type: 'bare',
};

export interface Column<Row> {
  column: string;
  type: SqlType;
  value(row: Row): string | number | null;
  /**
   * For a jsonb column: a null value is SQL NULL, and so is a JSON `null` document. A jsonb column
   * without it stores a JSON `null` document as JSON `null`, and never gets SQL NULL.
   */
  nullableJson?: boolean;
}

export interface Table<Row> {
  name: string;
  columns: readonly Column<Row>[];
}

export interface InsertOptions {
  /** Rows whose unique keys are taken are skipped instead of failing the statement. */
  onConflictDoNothing: boolean;
}

/** One `INSERT ... SELECT FROM unnest(...)` for all rows, inserted in the order given. */
export function insertRowsSql<Row>(table: Table<Row>, rows: readonly Row[], options: InsertOptions): Prisma.Sql {
  const names = table.columns.map((column) => quoteIdentifier(column.column));
  const arrays = table.columns.map((column) => columnArraySql(column, rows));
  return Prisma.sql`INSERT INTO ${Prisma.raw(quoteIdentifier(table.name))} (${Prisma.raw(names.join(', '))})
    SELECT ${Prisma.raw(names.join(', '))}
    FROM unnest(${Prisma.join(arrays)}) WITH ORDINALITY AS batch(${Prisma.raw([...names, 'batch_position'].join(', '))})
    ORDER BY batch_position
    ${Prisma.raw(options.onConflictDoNothing ? 'ON CONFLICT DO NOTHING' : '')}`;
}

/**
 * JSON text a batch may send for one column as a single JSON array. PostgreSQL refuses a jsonb
 * value over 256 MB; past this a column's documents go as an array literal, each its own jsonb.
 */
export const jsonArrayMaxChars = 64 * 1024 * 1024;

/** `unnest` argument for one column: its values as one typed array parameter, sent as the array's text. */
export function columnArraySql<Row>(column: Column<Row>, rows: readonly Row[], options: { jsonArrayMaxChars?: number } = {}): Prisma.Sql {
  const values = rows.map((row) => storable(column.type, column.value(row)));
  if (column.type === 'jsonb') return jsonbArraySql(column, values, options.jsonArrayMaxChars ?? jsonArrayMaxChars);
  return Prisma.sql`${postgresArrayLiteral(values, elementQuoting[column.type])}${Prisma.raw(arrayCast[column.type])}`;
}

/**
 * A JSON column's values are JSON texts already, so they travel as one JSON array (joined, not
 * escaped again) that PostgreSQL parses once and splits into a jsonb[]. As an array literal each
 * document had every quote escaped by the worker and unescaped by PostgreSQL: for the lead
 * documents of a batch's events that was most of the work of building its parameters.
 * SQL NULL travels as JSON `null`, so only a column marked `nullableJson` may have it, and there a
 * JSON `null` document is SQL NULL too.
 */
function jsonbArraySql<Row>(column: Column<Row>, values: readonly (string | number | null)[], maxChars: number): Prisma.Sql {
  let chars = 0;
  for (const value of values) {
    // Each value is spliced in as it is: anything but one JSON text (JSON.stringify(undefined) is
    // undefined) would shift the rows after it.
    if (typeof value === 'string') chars += value.length + 1;
    else if (value !== null || !column.nullableJson) throw new Error(`${column.column}: ${String(value)} is not a JSON text for a jsonb column`);
  }
  if (chars > maxChars) {
    const documents = column.nullableJson ? values.map((value) => (value === 'null' ? null : value)) : values;
    return Prisma.sql`${postgresArrayLiteral(documents, elementQuoting.jsonb)}${Prisma.raw(arrayCast.jsonb)}`;
  }
  const json = `[${values.map((value) => value ?? 'null').join(',')}]`;
  const element = column.nullableJson ? Prisma.raw(`NULLIF(element, 'null'::jsonb)`) : Prisma.raw('element');
  return Prisma.sql`ARRAY(SELECT ${element} FROM jsonb_array_elements(${json}::jsonb) WITH ORDINALITY AS batch_json(element, position) ORDER BY position)`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * PostgreSQL cannot store U+0000 in text or jsonb. A partner that sends one must not make a
 * lead impossible to store, so it becomes U+FFFD, the replacement character.
 */
function storable(type: SqlType, value: string | number | null): string | number | null {
  if (typeof value !== 'string' || (type !== 'text' && type !== 'jsonb')) return value;
  if (type === 'jsonb') return value.includes('\\u0000') ? value.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : value;
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}
