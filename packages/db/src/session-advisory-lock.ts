import pg from 'pg';

export interface SessionAdvisoryLockOptions {
  databaseUrl: string;
  /** Names the lock; every process using the same name and database shares it. */
  name: string;
  /** Tag shown in `pg_stat_activity`. */
  applicationName?: string;
}

/**
 * A PostgreSQL session advisory lock on a connection of its own, so that one process at a time
 * does a piece of work made of many short transactions (a pooled connection cannot hold a session
 * lock: each statement may run on another). If the process dies, its connection closes and
 * PostgreSQL releases the lock: no lease to expire, no lock left behind.
 */
export class SessionAdvisoryLock {
  readonly #options: SessionAdvisoryLockOptions;
  #client: pg.Client | undefined;

  constructor(options: SessionAdvisoryLockOptions) {
    this.#options = options;
  }

  /** Takes the lock if no other session holds it; never waits. */
  async tryAcquire(): Promise<boolean> {
    const client = await this.#connection();
    const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS acquired', [this.#options.name]);
    return rows[0]?.acquired === true;
  }

  async release(): Promise<void> {
    if (!this.#client) return;
    await this.#client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.#options.name]);
  }

  /** Closes the connection, which releases the lock if it is held. */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end();
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client({
      connectionString: this.#options.databaseUrl,
      application_name: this.#options.applicationName ?? 'leadrelay-lock',
      connectionTimeoutMillis: 5_000,
    });
    // A connection lost (PostgreSQL restarted) took the lock with it: the next call connects again.
    client.on('error', () => {
      if (this.#client === client) this.#client = undefined;
    });
    client.on('end', () => {
      if (this.#client === client) this.#client = undefined;
    });
    await client.connect();
    this.#client = client;
    return client;
  }
}
