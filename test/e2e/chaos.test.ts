import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChaosRun, type ChaosRunReport } from '../../bench/chaos-run.ts';
import { formatChaosReport } from '../../bench/chaos-report.ts';
import { chaosViolations } from '../../bench/chaos-verdict.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';

/**
 * `pnpm chaos`, briefly: two intakes, two workers and two dispatchers on one Redis and one
 * PostgreSQL, leads through both intakes for 20 s, a random instance SIGKILLed and restarted
 * every 5 s. The seed is printed; CHAOS_SEED runs a failing one again.
 */
describe('many instances, SIGKILLed at random while leads flow', () => {
  const seed = process.env.CHAOS_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.CHAOS_SEED);
  const queuePrefix = createQueuePrefix();
  let database: TestDatabase;
  let run: ChaosRun;
  let report: ChaosRunReport;

  beforeAll(async () => {
    database = await createTestDatabase();
    run = new ChaosRun({
      durationMs: 20_000,
      killIntervalMs: 5_000,
      drainTimeoutMs: 240_000,
      seed,
      databaseUrl: database.url,
      redisEnv: { REDIS_URL: testRedisUrl },
      queuePrefix,
      log: (line) => console.log(`chaos (seed ${seed}): ${line}`),
    });
    try {
      report = await run.run();
    } finally {
      if (report) console.log(formatChaosReport(report).join('\n'));
    }
  }, 480_000);

  afterAll(async () => {
    await run?.stop();
    await database?.drop();
    await deleteRedisKeys(queuePrefix);
  });

  it('kills instances of every kind it can pick and keeps leads flowing through both intakes', () => {
    expect(report.kills.length, `seed ${seed}`).toBeGreaterThanOrEqual(3);
    expect(report.kills.every((kill) => kill.restartedAtMs !== undefined), `seed ${seed}: every killed instance started again`).toBe(true);
    expect(report.verdict.acknowledgedLeads, `seed ${seed}`).toBeGreaterThan(0);
  });

  it('stores every acknowledged lead and submission exactly once, no person twice, delivers every event, in order where no kill came between', () => {
    expect(report.drained, `seed ${seed}: everything stored and delivered`).toBe(true);
    expect(chaosViolations(report.verdict), `seed ${seed}`).toEqual([]);
  });
});
