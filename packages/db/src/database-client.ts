import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from './generated/prisma/client.ts';
import { StatementRunner, type StatementTransaction, type StatementTransactionOptions } from './statement-transaction.ts';

export type DatabaseClient = PrismaClient;
export type TransactionClient = Prisma.TransactionClient;

export interface DatabaseClientOptions {
  databaseUrl: string;
  /** Connections in this process's pool. */
  poolSize?: number;
  /** Tag shown in `pg_stat_activity`, to tell the apps' connections apart. */
  applicationName?: string;
}

/** One Prisma client per process, on the pg driver adapter (no native engine needed). */
export function createDatabaseClient({ databaseUrl, poolSize = 10, applicationName = 'leadrelay' }: DatabaseClientOptions): DatabaseClient {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
  });
  // The client ends the pool on $disconnect; statement transactions borrow from the same pool.
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  statementRunners.set(client, new StatementRunner(new PrismaPg(pool)));
  return client;
}

const statementRunners = new WeakMap<DatabaseClient, StatementRunner>();

/** Runs `work` in one transaction: all of it is committed, or none of it. */
export function withTransaction<Result>(
  db: DatabaseClient,
  work: (tx: TransactionClient) => Promise<Result>,
  options: { timeoutMs?: number } = {},
): Promise<Result> {
  return db.$transaction(work, { timeout: options.timeoutMs ?? 15_000, maxWait: 10_000 });
}

/**
 * Runs `work` in one transaction whose statements go to the driver adapter as written, skipping
 * Prisma's query compiler (see StatementRunner): for hot paths made only of raw SQL.
 */
export function withStatementTransaction<Result>(
  db: DatabaseClient,
  work: (tx: StatementTransaction) => Promise<Result>,
  options: StatementTransactionOptions = {},
): Promise<Result> {
  return statementRunnerOf(db).transaction(work, options);
}

/**
 * Runs one raw statement on its own, sent to the driver adapter as written (see StatementRunner):
 * for hot paths whose statement carries large parameters. Rows are decoded as `$queryRaw` decodes them.
 */
export function runStatement<Row>(db: DatabaseClient, statement: Prisma.Sql): Promise<Row[]> {
  return statementRunnerOf(db).statement<Row>(statement);
}

function statementRunnerOf(db: DatabaseClient): StatementRunner {
  const runner = statementRunners.get(db);
  if (!runner) throw new Error('statements on the driver adapter need a client made by createDatabaseClient');
  return runner;
}

/** True when a write failed because a unique index already holds the value. */
export function isUniqueConstraintError(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === 'P2002';
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** True when a record a write depends on does not exist. */
export function isRecordNotFoundError(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025';
}
