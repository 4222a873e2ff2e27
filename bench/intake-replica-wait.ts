/**
 * What REDIS_WAIT_REPLICAS=1 costs intake: single-lead requests against intake on a private
 * primary with one replica (both AOF, appendfsync always, as a Sentinel set would run them),
 * without and with the wait, in alternating runs of the same length in one process:
 *
 *   pnpm exec tsx bench/intake-replica-wait.ts [--duration-seconds 10] [--connections 50]
 */
import { parseArgs } from 'node:util';
import { AppProcess } from '../test/support/app-process.ts';
import { freePort } from '../test/support/free-port.ts';
import { PrivateRedis } from '../test/support/private-redis.ts';
import { insertTestPartner } from '../test/support/test-partner.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { createBenchDatabase } from './bench-database.ts';
import { createBenchQueuePrefix } from './bench-redis.ts';
import { runHttpLoad, type HttpLoadResult } from './http-load.ts';
import { LeadFactory } from './lead-factory.ts';

const { values } = parseArgs({ options: { 'duration-seconds': { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } } });
const durationSeconds = Number(values['duration-seconds']);
const connections = Number(values.connections);

const durable = ['--appendonly', 'yes', '--appendfsync', 'always'];
const primary = new PrivateRedis(durable);
let replica: PrivateRedis | undefined;
const database = await createBenchDatabase();
const leads = new LeadFactory();
const intakes: AppProcess[] = [];
try {
  await primary.start();
  replica = new PrivateRedis([...durable, '--replicaof', '127.0.0.1', String(primary.port)]);
  await replica.start();
  const partner = await insertTestPartner(database.url, { slug: 'bench', profile: 'canonical', rateLimitPerMinute: 1_000_000_000 });
  const startIntake = async (waitReplicas: number) => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const intake = new AppProcess(
      'intake',
      {
        DATABASE_URL: database.url,
        REDIS_URL: primary.url,
        QUEUE_PREFIX: createBenchQueuePrefix(),
        REDIS_WAIT_REPLICAS: String(waitReplicas),
        LOG_LEVEL: 'warn',
        INTAKE_PORT: String(port),
        INTAKE_METRICS_PORT: String(metricsPort),
      },
      port,
    );
    intakes.push(intake);
    await intake.start({ timeoutMs: 120_000 });
    return `http://127.0.0.1:${port}/v1/leads`;
  };
  const urls = { without: await startIntake(0), with: await startIntake(1) };
  await waitFor(async () => /connected_slaves:1/.test(await primaryInfo()), { description: 'the replica connected' });
  const load = (url: string, seconds: number) =>
    runHttpLoad({ url, headers: { authorization: `Bearer ${partner.apiKey}` }, makeBody: () => leads.singleBody(), connections, durationSeconds: seconds });
  await load(urls.without, 1);
  await load(urls.with, 1);
  const runs: Record<'without' | 'with', HttpLoadResult[]> = { without: [], with: [] };
  for (let round = 0; round < 2; round += 1) {
    for (const kind of ['without', 'with'] as const) runs[kind].push(await load(urls[kind], durationSeconds / 2));
  }
  const summary = (results: HttpLoadResult[]) => ({
    perSecond: results.reduce((sum, result) => sum + result.okCount, 0) / results.reduce((sum, result) => sum + result.durationSeconds, 0),
    p99Ms: Math.max(...results.map((result) => result.latencyP99Ms)),
    failed: results.reduce((sum, result) => sum + result.failedCount, 0),
  });
  const without = summary(runs.without);
  const withWait = summary(runs.with);
  process.stdout.write(
    `single leads, ${connections} connections, ${durationSeconds} s each:\n` +
      `  REDIS_WAIT_REPLICAS=0: ${without.perSecond.toFixed(0)} req/s, p99 ${without.p99Ms} ms, ${without.failed} failed\n` +
      `  REDIS_WAIT_REPLICAS=1: ${withWait.perSecond.toFixed(0)} req/s, p99 ${withWait.p99Ms} ms, ${withWait.failed} failed\n` +
      `  ratio with/without: ${(withWait.perSecond / without.perSecond).toFixed(3)}\n`,
  );
} finally {
  for (const intake of intakes) await intake.stop();
  await replica?.destroy();
  await primary.destroy();
  await database.drop();
}

async function primaryInfo(): Promise<string> {
  const { Redis } = await import('ioredis');
  const probe = new Redis(primary.url);
  try {
    return await probe.info('replication');
  } finally {
    probe.disconnect();
  }
}
