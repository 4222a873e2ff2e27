import { parseArgs } from 'node:util';

/** What `pnpm bench` takes on its command line. */
export interface BenchOptions {
  /** Length of every load phase and every bare-limit measurement, in seconds. */
  durationSeconds: number;
  /** How long each pipeline phase waits, after its load, for its leads to be delivered. */
  drainSeconds: number;
  /** autocannon connections for single-lead runs (intake and the empty route alike). */
  connections: number;
  /** autocannon connections for the batch phase (each request carries 500 leads). */
  batchConnections: number;
  /** autocannon connections for the fixed-rate runs: enough that 5,000 req/s needs no pipelining. */
  fixedRateConnections: number;
  /** Skip the stage benches (bench/intake-accept.ts, bench/worker-persist.ts, bench/dispatch.ts) after the whole-path run. */
  skipStageBenches: boolean;
  /**
   * Leads stored before the worker's second stage run (issue 4: within 20% with 1,000,000
   * stored); 0 skips that run.
   */
  workerStoredLeads: number;
  /** Every app's `--max-semi-space-size` in MiB in the whole path, instead of the apps' own; undefined keeps theirs. */
  maxSemiSpaceMiB: number | undefined;
}

export const benchUsage = `usage: pnpm bench [--duration-seconds N] [--drain-seconds N] [--connections N]
                  [--batch-connections N] [--fixed-rate-connections N] [--skip-stage-benches]
                  [--worker-stored-leads N] [--max-semi-space-size MiB]

  --duration-seconds        length of each load phase and bare-limit run (default 5)
  --drain-seconds           wait after each phase for its leads to be delivered (default 5)
  --connections             autocannon connections, single-lead runs (default 50)
  --batch-connections       autocannon connections, 500-lead batches (default 8)
  --fixed-rate-connections  autocannon connections at 5,000 req/s (default 100)
  --skip-stage-benches      run only the whole-path bench
  --worker-stored-leads     leads stored before the worker's second run (default 1000000; 0 skips it)
  --max-semi-space-size     every app's young generation in the whole path, in MiB, instead of the
                            apps' own 64 (memory against time in garbage collection: see the README)

The whole-path bench takes about 80 s at the defaults (a fresh database is migrated and the four
apps started first); the stage benches (bench/intake-accept.ts, bench/worker-persist.ts,
bench/dispatch.ts) add about 100 s, the worker's run on 1,000,000 stored leads about 80 s more
(most of it storing them), and the Redis memory of 1,000,000 leads' identity claims
(bench/identity-memory.ts, in a redis-server of its own) about 80 s.`;

/** Parses the arguments (a `--` that pnpm may pass along is ignored); throws with the usage on a bad one. */
export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv.filter((argument) => argument !== '--'),
    options: {
      'duration-seconds': { type: 'string', default: '5' },
      'drain-seconds': { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      'batch-connections': { type: 'string', default: '8' },
      'fixed-rate-connections': { type: 'string', default: '100' },
      'skip-stage-benches': { type: 'boolean', default: false },
      'worker-stored-leads': { type: 'string', default: '1000000' },
      'max-semi-space-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  return {
    durationSeconds: positiveNumber('--duration-seconds', values['duration-seconds'], 3_600),
    drainSeconds: nonNegativeNumber('--drain-seconds', values['drain-seconds'], 3_600),
    connections: positiveInteger('--connections', values.connections),
    batchConnections: positiveInteger('--batch-connections', values['batch-connections']),
    fixedRateConnections: positiveInteger('--fixed-rate-connections', values['fixed-rate-connections']),
    skipStageBenches: values['skip-stage-benches'],
    workerStoredLeads: nonNegativeInteger('--worker-stored-leads', values['worker-stored-leads'], 100_000_000),
    maxSemiSpaceMiB: values['max-semi-space-size'] === undefined ? undefined : positiveInteger('--max-semi-space-size', values['max-semi-space-size']),
  };
}

function nonNegativeNumber(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max) throw new Error(`${flag} must be a number from 0 to ${max}, got "${text}"`);
  return value;
}

function nonNegativeInteger(flag: string, text: string, max: number): number {
  const value = nonNegativeNumber(flag, text, max);
  if (!Number.isInteger(value)) throw new Error(`${flag} must be a whole number, got "${text}"`);
  return value;
}

function positiveNumber(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`${flag} must be a number above 0 and at most ${max}, got "${text}"`);
  return value;
}

function positiveInteger(flag: string, text: string): number {
  const value = positiveNumber(flag, text, 10_000);
  if (!Number.isInteger(value)) throw new Error(`${flag} must be a whole number, got "${text}"`);
  return value;
}
