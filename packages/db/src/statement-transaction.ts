import type { PrismaPg } from '@prisma/adapter-pg';
import { ColumnTypeEnum, type ColumnType, type SqlDriverAdapter, type SqlQuery, type SqlQueryable, type SqlResultSet, type Transaction } from '@prisma/driver-adapter-utils';
import type { Prisma } from './generated/prisma/client.ts';

/** Statements of one transaction, sent as written. */
export interface StatementTransaction {
  /**
   * Runs `statement` and returns its rows keyed by column name, decoded as `$queryRaw` decodes
   * them: json as parsed values, timestamps as Dates, int8 as bigint, everything else as pg reads it.
   */
  query<Row>(statement: Prisma.Sql): Promise<Row[]>;
}

export interface StatementTransactionOptions {
  /** A statement running longer than this is cancelled, and the transaction with it. */
  statementTimeoutMs?: number;
  /**
   * Only index scans and the like for this transaction's statements (`enable_seqscan = off`), for
   * work that finds every row by a key. Without statistics on a table (a new database, the first
   * minute after a bulk load, before autovacuum has analyzed it) the planner takes `key = ANY($1)`
   * for a sequential scan, and each statement then reads the whole table.
   */
  keyLookupsOnly?: boolean;
}

/**
 * Transactions on the Prisma client's own driver adapter (`@prisma/adapter-pg`, the same pool),
 * for hot paths that only send raw SQL. Prisma's client engine passes every raw query, parameters
 * and all, through its WebAssembly query compiler and back, though a raw statement has nothing to
 * compile: for the worker's 500-lead batches that copying was about half of the worker's CPU.
 * Here the adapter gets the statement directly, so the driver, its type mapping and its error
 * mapping (`DriverAdapterError`) stay Prisma's; only the compiler is skipped.
 */
export class StatementRunner {
  readonly #adapterFactory: PrismaPg;
  #adapter: Promise<SqlDriverAdapter> | undefined;

  constructor(adapterFactory: PrismaPg) {
    this.#adapterFactory = adapterFactory;
  }

  /** Runs one statement on its own (in the implicit transaction of the statement) on a connection of the pool. */
  async statement<Row>(statement: Prisma.Sql): Promise<Row[]> {
    return query<Row>(await this.#connect(), statement);
  }

  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  async transaction<Result>(work: (tx: StatementTransaction) => Promise<Result>, options: StatementTransactionOptions = {}): Promise<Result> {
    // Sends BEGIN on a connection of its own from the pool.
    const transaction = await (await this.#connect()).startTransaction();
    try {
      const settings = [`SET LOCAL statement_timeout = ${Math.max(0, Math.trunc(options.statementTimeoutMs ?? 15_000))}`];
      if (options.keyLookupsOnly) settings.push('SET LOCAL enable_seqscan = off');
      await execute(transaction, settings.join('; '));
      const result = await work({ query: (statement) => query(transaction, statement) });
      await execute(transaction, 'COMMIT');
      await transaction.commit();
      return result;
    } catch (error) {
      await execute(transaction, 'ROLLBACK').catch(() => {
        // The connection is gone (PostgreSQL went away): the transaction went with it, and the
        // work's error is the one worth reporting.
      });
      await transaction.rollback();
      throw error;
    }
  }

  /** The adapter over the client's pool, made on first use. */
  #connect(): Promise<SqlDriverAdapter> {
    return (this.#adapter ??= this.#adapterFactory.connect());
  }
}

async function execute(transaction: Transaction, sql: string): Promise<void> {
  await transaction.executeRaw({ sql, args: [], argTypes: [] });
}

async function query<Row>(queryable: SqlQueryable, statement: Prisma.Sql): Promise<Row[]> {
  const sqlQuery: SqlQuery = {
    sql: statement.text,
    args: statement.values,
    // Values go to pg as they are: strings, numbers, arrays of them, null.
    argTypes: statement.values.map(() => ({ scalarType: 'unknown', arity: 'scalar' })),
  };
  return rowsOf<Row>(await queryable.queryRaw(sqlQuery));
}

function rowsOf<Row>(result: SqlResultSet): Row[] {
  const decoders = result.columnTypes.map(decoderFor);
  const { columnNames } = result;
  return result.rows.map((values) => {
    const row: Record<string, unknown> = {};
    for (let column = 0; column < columnNames.length; column += 1) {
      const value = values[column];
      row[columnNames[column]!] = value === null || value === undefined ? null : decoders[column]!(value);
    }
    return row as Row;
  });
}

function decoderFor(type: ColumnType): (value: unknown) => unknown {
  switch (type) {
    case ColumnTypeEnum.Json:
      return (value) => (typeof value === 'string' ? JSON.parse(value) : value);
    case ColumnTypeEnum.DateTime:
      return (value) => new Date(value as string);
    case ColumnTypeEnum.Int64:
      return (value) => BigInt(value as string);
    default:
      return (value) => value;
  }
}
