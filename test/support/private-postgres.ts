import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where Debian/Ubuntu install PostgreSQL 15's server programs; PG_BIN_DIR overrides. */
const binDir = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of the test's own, in a temporary directory on a spare port, for tests
 * that stop and start PostgreSQL: the shared server other tests run on is never touched.
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export class PrivatePostgres {
  readonly #directory = mkdtempSync(join(tmpdir(), 'leadrelay-pg-'));
  readonly #dataDirectory = join(this.#directory, 'data');
  readonly #asRoot = userInfo().uid === 0;
  #port = 0;

  get port(): number {
    return this.#port;
  }

  /** URL of a database on this server. */
  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.#port}/${database}`;
  }

  async init(): Promise<void> {
    this.#port = await freePort();
    if (this.#asRoot) {
      const { uid, gid } = postgresUser();
      chownSync(this.#directory, uid, gid);
    }
    this.#run('initdb', ['-D', this.#dataDirectory, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  }

  /** Starts the server and waits until it accepts connections. */
  start(): void {
    this.#run('pg_ctl', [
      '-D',
      this.#dataDirectory,
      '-l',
      join(this.#directory, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      // Unix socket in the temp directory: the default one belongs to the shared server.
      `-p ${this.#port} -c listen_addresses=127.0.0.1 -k ${this.#directory} -c fsync=off -c max_connections=50`,
      'start',
    ]);
  }

  /** Stops the server at once, as a crash or an operator would: sessions are cut. */
  stop(): void {
    this.#run('pg_ctl', ['-D', this.#dataDirectory, '-w', '-t', '60', '-m', 'fast', 'stop']);
  }

  /** Creates a database and applies the committed migrations, as `prisma migrate deploy` does in production. */
  createMigratedDatabase(name: string): string {
    this.#run('createdb', ['-h', '127.0.0.1', '-p', String(this.#port), '-U', 'postgres', name]);
    const url = this.url(name);
    const result = spawnSync(join(repositoryRoot, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
      cwd: repositoryRoot,
      env: { ...process.env, DATABASE_URL: url },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`migrating ${name} failed:\n${result.stdout}\n${result.stderr}`);
    return url;
  }

  /** Stops the server if it runs and removes its directory. */
  destroy(): void {
    try {
      this.stop();
    } catch {
      // Not running (never started, or already stopped): nothing to stop.
    }
    rmSync(this.#directory, { recursive: true, force: true });
  }

  #run(program: string, args: string[]): void {
    const path = join(binDir, program);
    const [command, commandArgs] = this.#asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    const result = spawnSync(command, commandArgs, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${program} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** PostgreSQL's own user; `id` fails with a clear message when there is none. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
