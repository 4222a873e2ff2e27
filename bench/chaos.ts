import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './bench-database.ts';
import { benchRedisEnv, createBenchQueuePrefix, deleteBenchRedisKeys } from './bench-redis.ts';
import { formatChaosReport } from './chaos-report.ts';
import { ChaosRun } from './chaos-run.ts';
import { chaosViolations } from './chaos-verdict.ts';

const usage = `usage: pnpm chaos [--duration-seconds N] [--kill-interval-seconds N] [--seed N] [--drain-timeout-seconds N]

  --duration-seconds       how long leads are sent (default 60)
  --kill-interval-seconds  a random intake, worker or dispatcher is SIGKILLed and restarted this often (default 10)
  --seed                   seeds which instance dies and what is sent (default: random, printed)
  --drain-timeout-seconds  how long storing and delivering may take after the last lead (default 300)
  --keep                   keep the run's database and Redis keys for a look afterwards (printed)

Exit 0 when every acknowledged lead was stored once, no person twice, every event delivered and
deliveries in order wherever no kill came between; 1 with the violations otherwise.`;

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, got "${text}"\n${usage}`);
  return value;
}

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    'duration-seconds': { type: 'string', default: '60' },
    'kill-interval-seconds': { type: 'string', default: '10' },
    seed: { type: 'string' },
    'drain-timeout-seconds': { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const seed = values.seed === undefined ? randomInt(2 ** 31) : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a whole number, got "${values.seed}"`);

const database = await createBenchDatabase();
const queuePrefix = createBenchQueuePrefix();
const run = new ChaosRun({
  durationMs: positive('--duration-seconds', values['duration-seconds']) * 1000,
  killIntervalMs: positive('--kill-interval-seconds', values['kill-interval-seconds']) * 1000,
  drainTimeoutMs: positive('--drain-timeout-seconds', values['drain-timeout-seconds']) * 1000,
  seed,
  databaseUrl: database.url,
  redisEnv: benchRedisEnv,
  queuePrefix,
  log: (line) => console.log(`chaos: ${line}`),
});
console.log(`chaos: seed ${seed} (run again with --seed ${seed})`);
let failed = true;
try {
  const report = await run.run();
  for (const line of formatChaosReport(report)) console.log(line);
  failed = chaosViolations(report.verdict).length > 0 || !report.drained;
} finally {
  await run.stop();
  if (values.keep) console.log(`chaos: kept database ${database.url} and Redis keys ${queuePrefix}:*`);
  else {
    await database.drop();
    await deleteBenchRedisKeys(queuePrefix);
  }
}
process.exit(failed ? 1 : 0);
