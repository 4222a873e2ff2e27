import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { Redis } from 'ioredis';

export interface CpuMeterOptions {
  /** LeadRelay's processes (and any other child) by the name shown in the report. */
  pids: Record<string, number | undefined>;
  /** The run's database: its PostgreSQL backends are found through pg_stat_activity. */
  databaseUrl: string;
  databaseName: string;
  redisUrl: string;
}

/** CPU seconds used so far, by process name, plus the whole machine's busy seconds. */
export interface CpuSnapshot {
  atMs: number;
  secondsByName: Map<string, number>;
  /** PostgreSQL backends of the run's database, by pid (they come and go with pools). */
  postgresSecondsByPid: Map<number, number>;
  machineBusySeconds: number;
}

/** Cores kept busy (CPU seconds per wall second) by each process between two snapshots. */
export type CoresBusy = Map<string, number>;

export const postgresName = 'postgres (this run\'s backends)';
export const redisName = 'redis-server (shared by all)';
export const benchProcessName = 'bench (autocannon, receiver)';
export const machineName = 'whole machine';

/**
 * Where the CPU went during a phase: the best evidence of what limits a stage on a 2-core
 * machine. A process near 1.0 is saturated (Node runs JavaScript on one thread); a machine
 * near its core count means everything is starved, including by other people's work.
 */
export class CpuMeter {
  readonly #options: CpuMeterOptions;
  readonly #sql: pg.Client;
  readonly #redis: Redis;
  readonly #ticksPerSecond = clockTicksPerSecond();

  constructor(options: CpuMeterOptions) {
    this.#options = options;
    this.#sql = new pg.Client({ connectionString: options.databaseUrl, application_name: 'leadrelay-bench-cpu-meter' });
    this.#redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  }

  async start(): Promise<void> {
    await this.#sql.connect();
    await this.#redis.connect();
  }

  async snapshot(): Promise<CpuSnapshot> {
    const secondsByName = new Map<string, number>();
    for (const [name, pid] of Object.entries(this.#options.pids)) {
      const seconds = await this.#processSeconds(pid);
      if (seconds !== undefined) secondsByName.set(name, seconds);
    }
    const usage = process.cpuUsage();
    secondsByName.set(benchProcessName, (usage.user + usage.system) / 1e6);
    secondsByName.set(redisName, redisCpuSeconds(await this.#redis.info('cpu')));
    const backends = await this.#sql.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [this.#options.databaseName],
    );
    const postgresSecondsByPid = new Map<number, number>();
    for (const { pid } of backends.rows) {
      const seconds = await this.#processSeconds(pid);
      if (seconds !== undefined) postgresSecondsByPid.set(pid, seconds);
    }
    return { atMs: performance.now(), secondsByName, postgresSecondsByPid, machineBusySeconds: await this.#machineBusySeconds() };
  }

  /** Cores busy per process from `before` to `after`. */
  static between(before: CpuSnapshot, after: CpuSnapshot): CoresBusy {
    const wallSeconds = (after.atMs - before.atMs) / 1000;
    const busy: CoresBusy = new Map();
    for (const [name, seconds] of after.secondsByName) {
      const earlier = before.secondsByName.get(name);
      if (earlier !== undefined) busy.set(name, (seconds - earlier) / wallSeconds);
    }
    // A backend opened during the phase spent all its CPU in it; one closed during it is lost (rare: pools keep them).
    let postgresSeconds = 0;
    for (const [pid, seconds] of after.postgresSecondsByPid) postgresSeconds += seconds - (before.postgresSecondsByPid.get(pid) ?? 0);
    busy.set(postgresName, postgresSeconds / wallSeconds);
    busy.set(machineName, (after.machineBusySeconds - before.machineBusySeconds) / wallSeconds);
    return busy;
  }

  async stop(): Promise<void> {
    await this.#sql.end();
    this.#redis.disconnect();
  }

  /** utime + stime of a process from /proc/<pid>/stat; undefined once it is gone. */
  async #processSeconds(pid: number | undefined): Promise<number | undefined> {
    if (pid === undefined) return undefined;
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    // Fields after the command name (which may contain spaces), from field 3 (state) on.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / this.#ticksPerSecond;
  }

  async #machineBusySeconds(): Promise<number> {
    const firstLine = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
    const [, ...ticks] = firstLine.trim().split(/\s+/).map(Number);
    const total = ticks.reduce((sum, value) => sum + value, 0);
    // idle (4th) and iowait (5th) are the not-busy columns.
    return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / this.#ticksPerSecond;
  }
}

function redisCpuSeconds(info: string): number {
  const value = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return value('used_cpu_sys') + value('used_cpu_user');
}

/** USER_HZ for /proc times: 100 on Linux almost everywhere, asked for in case it is not. */
function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return value > 0 ? value : 100;
  } catch {
    // No getconf: Linux's long-standing default.
    return 100;
  }
}
