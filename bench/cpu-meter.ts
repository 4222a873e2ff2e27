import pg from 'pg';
import type { RedisTarget } from '@leadrelay/config';
import { createRedisConnection, isCluster, type RedisConnection } from '@leadrelay/queue';
import { readMachineBusySeconds, readProcessCpuSeconds } from './process-cpu-time.ts';

export interface CpuMeterOptions {
  /** LeadRelay's processes (and any other child) by the name shown in the report. */
  pids: Record<string, number | undefined>;
  /** The run's database: its PostgreSQL backends are found through pg_stat_activity. */
  databaseUrl: string;
  databaseName: string;
  /** The bench's Redis (benchRedisTarget): on a cluster, every node's CPU counts. */
  redis: RedisTarget;
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

/** One measured stretch of time: its length and what each process used of it. */
export interface CpuWindow {
  wallSeconds: number;
  coresBusy: CoresBusy;
}

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
  readonly #redis: RedisConnection;

  constructor(options: CpuMeterOptions) {
    this.#options = options;
    this.#sql = new pg.Client({ connectionString: options.databaseUrl, application_name: 'leadrelay-bench-cpu-meter' });
    this.#redis = createRedisConnection(options.redis, { role: 'worker', connectionName: 'bench-cpu-meter' });
  }

  async start(): Promise<void> {
    await this.#sql.connect();
    // Once it answers, a cluster's nodes are known too.
    await this.#redis.ping();
  }

  async snapshot(): Promise<CpuSnapshot> {
    const secondsByName = new Map<string, number>();
    for (const [name, pid] of Object.entries(this.#options.pids)) {
      const seconds = await readProcessCpuSeconds(pid);
      if (seconds !== undefined) secondsByName.set(name, seconds);
    }
    const usage = process.cpuUsage();
    secondsByName.set(benchProcessName, (usage.user + usage.system) / 1e6);
    let redisSeconds = 0;
    for (const node of isCluster(this.#redis) ? this.#redis.nodes('all') : [this.#redis]) redisSeconds += redisCpuSeconds(await node.info('cpu'));
    secondsByName.set(redisName, redisSeconds);
    const backends = await this.#sql.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [this.#options.databaseName],
    );
    const postgresSecondsByPid = new Map<number, number>();
    for (const { pid } of backends.rows) {
      const seconds = await readProcessCpuSeconds(pid);
      if (seconds !== undefined) postgresSecondsByPid.set(pid, seconds);
    }
    return { atMs: performance.now(), secondsByName, postgresSecondsByPid, machineBusySeconds: await readMachineBusySeconds() };
  }

  /** Cores busy per process from `before` to `after`. */
  static between(before: CpuSnapshot, after: CpuSnapshot): CpuWindow {
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
    return { wallSeconds, coresBusy: busy };
  }

  async stop(): Promise<void> {
    await this.#sql.end();
    this.#redis.disconnect();
  }
}

function redisCpuSeconds(info: string): number {
  const value = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return value('used_cpu_sys') + value('used_cpu_user');
}
