import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for.ts';
import { appCommand, type LeadRelayAppName } from '../../scripts/app-command.ts';


export type AppName = LeadRelayAppName;

/** One of LeadRelay's apps running as a real process, as `pnpm --filter <app> start` runs it. */
export class AppProcess {
  readonly output: string[] = [];
  #child: ChildProcess | undefined;
  #exited: Promise<number | null> | undefined;

  constructor(
    readonly name: AppName,
    readonly env: Record<string, string>,
    /** The port its /readyz answers on. */
    readonly healthPort: number,
    /** Node flags beyond the apps' own, e.g. the bench's `--cpu-prof` (which NODE_OPTIONS may not carry). */
    readonly extraNodeFlags: readonly string[] = [],
  ) {}

  /** The child's process id once started (e.g. to read its memory from /proc); undefined before. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start({ timeoutMs = 60_000 } = {}): Promise<void> {
    const { args, cwd } = appCommand(this.name, this.extraNodeFlags);
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let exitCode: number | null | undefined;
    void this.#exited.then((code) => {
      exitCode = code;
    });
    await waitFor(
      async () => {
        if (exitCode !== undefined) throw new Error(`${this.name} exited with ${exitCode}:\n${this.output.join('')}`);
        const response = await fetch(`http://127.0.0.1:${this.healthPort}/readyz`);
        return response.status === 200;
      },
      { timeoutMs, intervalMs: 100, description: `${this.name} to be ready` },
    );
  }

  /** SIGTERM, then wait for a clean exit; returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.#child || this.#child.exitCode !== null) return this.#child?.exitCode ?? null;
    this.#child.kill(signal);
    return this.#exited!;
  }
}
