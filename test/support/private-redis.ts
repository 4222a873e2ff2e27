import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

/**
 * A redis-server of the test's own, on a spare port with its files in a temporary directory, for
 * tests that kill Redis or need settings the shared one does not have: the machine's Redis is
 * never touched. `args` are redis-server options (`['--appendonly', 'yes']`); they come after the
 * defaults here (no snapshots, no AOF), and redis-server takes the last value of an option.
 */
export class PrivateRedis {
  readonly directory = mkdtempSync(join(tmpdir(), 'leadrelay-redis-'));
  readonly output: string[] = [];
  #port = 0;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  constructor(private readonly args: string[] = []) {}

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.#port}`;
  }

  /** Whether the server's process runs (started, and not exited since). */
  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Starts the server (again on the same port and directory after `kill`) and waits until it
   * answers PING. `port`: the first start's port, when the caller needs one with more free (a
   * cluster node's bus port); a spare one otherwise.
   */
  async start({ timeoutMs = 30_000, port }: { timeoutMs?: number; port?: number } = {}): Promise<void> {
    if (this.#port === 0) this.#port = port ?? (await freePort());
    const child = spawn(
      'redis-server',
      ['--port', String(this.#port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.directory, ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    let exitCode: number | null | undefined;
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        resolve();
      }),
    );
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    probe.on('error', () => {});
    try {
      await waitFor(
        async () => {
          if (exitCode !== undefined) throw new Error(`redis-server exited with ${exitCode}:\n${this.output.join('')}`);
          if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
          // Answers LOADING (an error) until it has read its AOF back.
          return (await probe.ping()) === 'PONG';
        },
        { timeoutMs, intervalMs: 50, description: `redis-server on port ${this.#port} to answer PING` },
      );
    } finally {
      probe.disconnect();
    }
  }

  /** Sends `signal` to the server's process (by pid) and waits until it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, signal);
    await this.#exited;
  }

  /** Kills the server if it runs and removes its directory. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
