import { Prisma } from '@leadrelay/db';

/**
 * Names a PostgreSQL transaction-level advisory lock between the worker's persist transactions
 * and an erasure. Each persist transaction holds it shared (they never wait for each other), an
 * erasure takes it exclusive before it looks for the person's leads: it waits until every persist
 * transaction that may not have seen the suppression has committed, so their leads are found and
 * erased, and every later one sees the suppression and stores nothing of the person.
 */
export const erasureFenceName = 'leadrelay:erasure-fence';

/** Taken by each persist transaction (first statement). */
export const holdErasureFenceSharedSql = Prisma.sql`SELECT pg_advisory_xact_lock_shared(hashtext(${erasureFenceName}))::text AS held`;

/** Taken by an erasure's transaction before it looks for the person's leads. */
export const holdErasureFenceExclusiveSql = Prisma.sql`SELECT pg_advisory_xact_lock(hashtext(${erasureFenceName}))::text AS held`;
