import pg from 'pg';

/** Splits a database URL into the database name and a URL for the server's `postgres` database. */
export function maintenanceUrlFor(databaseUrl: string): { databaseName: string; maintenanceUrl: string } {
  const url = new URL(databaseUrl);
  const databaseName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!databaseName) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  return { databaseName, maintenanceUrl: url.toString() };
}

/** Creates the database named in `databaseUrl` when the server does not have it yet. */
export async function ensureDatabaseExists(databaseUrl: string): Promise<boolean> {
  const { databaseName, maintenanceUrl } = maintenanceUrlFor(databaseUrl);
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (existing.rowCount) return false;
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(databaseName)}`);
    return true;
  } catch (error) {
    // Two processes starting at once: the other one created it first (42P04, or 23505 when
    // both passed the existence check together).
    const code = (error as { code?: string }).code;
    if (code === '42P04' || code === '23505') return false;
    throw error;
  } finally {
    await client.end();
  }
}

/** Drops a database (tests use one database per file). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { databaseName, maintenanceUrl } = maintenanceUrlFor(databaseUrl);
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseName)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
