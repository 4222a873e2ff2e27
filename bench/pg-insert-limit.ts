import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { newTimeOrderedUuid } from '@leadrelay/db';
import type { LeadFactory } from './lead-factory.ts';

export interface PgInsertLimitOptions {
  /** The run's own database; a scratch table is made in it and dropped afterwards. */
  databaseUrl: string;
  leads: LeadFactory;
  durationSeconds: number;
  /** Rows per statement: the worker's batch size in issue 4. */
  rowsPerStatement: number;
  /** Statements in flight at once, each on its own connection. */
  connections: number;
}

export interface PgInsertLimit {
  rowsPerSecond: number;
}

// A copy of `leads` with its defaults and unique indexes (id, email, phone), without foreign
// keys or data, so the limit pays for the same index maintenance the worker's insert does.
const scratchTable = 'bench_insert_limit';
const insertedColumns = ['id', 'email', 'phone', 'first_name', 'last_name', 'source', 'partner_id'] as const;

/** Stops a measuring loop even if the time bound is somehow not reached. */
const maxStatementsPerConnection = 100_000;

/**
 * What PostgreSQL takes on this machine: a 500-row `INSERT ... VALUES ... ON CONFLICT DO
 * NOTHING` through `pg`, the statement Prisma's `createMany({ skipDuplicates })` sends.
 */
export async function measurePgInsertLimit(options: PgInsertLimitOptions): Promise<PgInsertLimit> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.connections });
  const partnerId = randomUUID();
  const placeholders = Array.from(
    { length: options.rowsPerStatement },
    (_, row) => `(${insertedColumns.map((_, column) => `$${row * insertedColumns.length + column + 1}`).join(', ')})`,
  ).join(', ');
  const statement = `INSERT INTO ${scratchTable} (${insertedColumns.join(', ')}) VALUES ${placeholders} ON CONFLICT DO NOTHING`;
  const values = () => {
    const rows: (string | null)[] = [];
    for (let row = 0; row < options.rowsPerStatement; row += 1) {
      const lead = options.leads.nextLead();
      // Lead ids as intake makes them.
      rows.push(newTimeOrderedUuid(), lead.email, lead.phone.replaceAll(' ', ''), lead.firstName, lead.lastName, lead.source, partnerId);
    }
    return rows;
  };
  try {
    await pool.query(`CREATE TABLE ${scratchTable} (LIKE leads INCLUDING DEFAULTS INCLUDING INDEXES)`);
    const startedMs = performance.now();
    const deadlineMs = startedMs + options.durationSeconds * 1000;
    let rowCount = 0;
    const loop = async () => {
      for (let statements = 0; statements < maxStatementsPerConnection && performance.now() < deadlineMs; statements += 1) {
        await pool.query(statement, values());
        rowCount += options.rowsPerStatement;
      }
    };
    await Promise.all(Array.from({ length: options.connections }, loop));
    return { rowsPerSecond: rowCount / ((performance.now() - startedMs) / 1000) };
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${scratchTable}`);
    await pool.end();
  }
}
