import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const benchDirectory = dirname(fileURLToPath(import.meta.url));

/**
 * A bench script run in a process of its own (`node --import tsx bench/<file>`), talking back
 * in JSON lines on stdout. Bare limits run out of process wherever the stage they bound does,
 * so a ratio never compares a separate process against one sharing the bench's event loop.
 */
export class ChildScript {
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: ((line: string) => void)[] = [];
  readonly #stderr: string[] = [];
  readonly #exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    });
    child.stderr!.on('data', (chunk: Buffer) => this.#stderr.push(chunk.toString()));
    // 'close', not 'exit': it comes after stdout is drained, so a last answer line is never lost.
    this.#exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  /** Starts `bench/<fileName>` with `args`. */
  static start(fileName: string, args: string[]): ChildScript {
    const child = spawn(process.execPath, ['--import', 'tsx', join(benchDirectory, fileName), ...args], {
      cwd: join(benchDirectory, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ChildScript(child);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The next JSON line the script prints; fails when it exits or `timeoutMs` passes first. */
  async nextMessage<Message>(timeoutMs: number): Promise<Message> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return JSON.parse(queued) as Message;
    let timer: NodeJS.Timeout | undefined;
    const line = await Promise.race([
      new Promise<string>((resolve) => this.#waiters.push(resolve)),
      this.#exited.then((code) => {
        throw new Error(`bench script exited with ${code} before answering:\n${this.#stderr.join('')}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`bench script gave no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return JSON.parse(line) as Message;
  }

  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
