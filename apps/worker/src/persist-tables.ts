import { Prisma } from '@leadrelay/db';

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

export interface Column<Row> {
  column: string;
  type: SqlType;
  value(row: Row): string | number | null;
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

/** `unnest` argument for one column: its values as one typed array parameter. */
export function columnArraySql<Row>(column: Column<Row>, rows: readonly Row[]): Prisma.Sql {
  const values = rows.map((row) => storable(column.type, column.value(row)));
  return Prisma.sql`${values}${Prisma.raw(arrayCast[column.type])}`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * PostgreSQL cannot store U+0000 in text or jsonb. A partner that sends one must not make a
 * lead impossible to store, so it becomes U+FFFD, the replacement character.
 */
function storable(type: SqlType, value: string | number | null): string | number | null {
  if (typeof value !== 'string') return value;
  if (type === 'jsonb') return value.includes('\\u0000') ? value.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : value;
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}
