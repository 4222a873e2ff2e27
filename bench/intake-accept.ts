/**
 * Intake-only benchmark: how many leads one intake process acknowledges when it has the machine
 * to itself (with Redis), next to an empty Fastify route and BullMQ's add/addBulk measured in the
 * same run. In the whole-path bench intake shares two cores with the worker, the dispatcher and
 * PostgreSQL, so its figures there say what the whole system takes, not what intake does; in
 * production intake runs on its own instances, as here.
 *
 *   pnpm exec tsx bench/intake-accept.ts [--duration-seconds 5]
 *
 * Nothing consumes the jobs it enqueues: they stay in Redis under the run's own key prefix until
 * the end, when they are deleted with the run's database.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { AppProcess } from '../test/support/app-process.ts';
import { freePort } from '../test/support/free-port.ts';
import { insertTestPartner } from '../test/support/test-partner.ts';
import { measureBareRouteLimit } from './bare-route-limit.ts';
import { createBenchDatabase } from './bench-database.ts';
import { benchRedisEnv, benchRedisTarget, createBenchQueuePrefix, deleteBenchRedisKeys } from './bench-redis.ts';
import { batchSize, benchTargets } from './bench-targets.ts';
import { measureBullmqAddLimit } from './bullmq-add-limit.ts';
import { runHttpLoad, type HttpLoadOptions, type HttpLoadResult } from './http-load.ts';
import { LeadFactory } from './lead-factory.ts';
import { readProcessCpuSeconds } from './process-cpu-time.ts';

export interface IntakeAcceptBenchOptions {
  /** Length of each load run and each bare-limit measurement. */
  durationSeconds: number;
  /** autocannon connections for single-lead runs (intake and the empty route alike). */
  connections?: number;
  /** autocannon connections for batches of 500. */
  batchConnections?: number;
  /** autocannon connections at the fixed rate. */
  fixedRateConnections?: number;
  log?: (line: string) => void;
}

export interface IntakeAcceptBenchResult {
  singleRequestsPerSecond: number;
  emptyRouteRequestsPerSecond: number;
  ratioToEmptyRoute: number;
  /** Intake's CPU per answered single-lead request, and the empty route's, in ms. */
  intakeCpuMsPerRequest: number | undefined;
  emptyRouteCpuMsPerRequest: number | undefined;
  batchLeadsPerSecond: number;
  bullmqAddBulkJobsPerSecond: number;
  ratioToAddBulk: number;
  intakeCpuMsPerBatchLead: number | undefined;
  /** p99 acknowledgement at the fixed rate, intake and the empty route, and the rate intake reached. */
  fixedRateP99Ms: number;
  emptyRouteFixedRateP99Ms: number;
  fixedRateReachedPerSecond: number;
  /** Answers other than 2xx over all runs: should be 0. */
  failedAnswers: number;
  meetsSingleTarget: boolean;
  meetsBatchTarget: boolean;
  meetsLatencyTarget: boolean;
}

/** Short, so JIT compilation and connection set-up happen before anything is measured. */
const warmUpSeconds = 1;
/** A partner limit far above what one run can send: the bench measures throughput, not the limit. */
const unlimitedRequestsPerMinute = 1_000_000_000;

export async function runIntakeAcceptBench(options: IntakeAcceptBenchOptions): Promise<IntakeAcceptBenchResult> {
  const log = options.log ?? (() => {});
  const connections = options.connections ?? 50;
  const batchConnections = options.batchConnections ?? 8;
  const fixedRateConnections = options.fixedRateConnections ?? 100;
  const { durationSeconds } = options;
  const leads = new LeadFactory();
  const queuePrefix = createBenchQueuePrefix();
  const database = await createBenchDatabase();
  let intake: AppProcess | undefined;
  try {
    const [port, metricsPort] = [await freePort(), await freePort()];
    intake = new AppProcess(
      'intake',
      {
        DATABASE_URL: database.url,
        ...benchRedisEnv,
        QUEUE_PREFIX: queuePrefix,
        LOG_LEVEL: 'warn',
        INTAKE_PORT: String(port),
        INTAKE_METRICS_PORT: String(metricsPort),
      },
      port,
    );
    const partner = await insertTestPartner(database.url, { slug: 'bench', profile: 'canonical', rateLimitPerMinute: unlimitedRequestsPerMinute });
    log('starting intake alone');
    await intake.start({ timeoutMs: 120_000 });

    log('bare limit: empty Fastify route');
    const bareRoute = await measureBareRouteLimit({
      makeBody: () => leads.singleBody(),
      connections,
      fixedRateConnections,
      fixedRatePerSecond: benchTargets.acknowledgementRatePerSecond,
      durationSeconds,
      warmUpSeconds,
    });
    log('bare limit: BullMQ add and addBulk');
    const bullmq = await measureBullmqAddLimit({
      redis: benchRedisTarget,
      scratchPrefix: `${queuePrefix}:scratch`,
      leads,
      durationSeconds: durationSeconds / 2,
      addsInFlight: 50,
      bulkSize: batchSize,
      bulksInFlight: 4,
    });

    let acceptedBatchLeads = 0;
    const load = (makeBody: () => string, extra: Pick<HttpLoadOptions, 'connections' | 'durationSeconds' | 'overallRatePerSecond' | 'onAnswer'>) =>
      runHttpLoad({
        url: `http://127.0.0.1:${port}/v1/leads`,
        headers: { authorization: `Bearer ${partner.apiKey}` },
        makeBody,
        ...extra,
      });
    const measured = async (run: () => Promise<HttpLoadResult>) => {
      const cpuBefore = await readProcessCpuSeconds(intake!.pid);
      const result = await run();
      const cpuAfter = await readProcessCpuSeconds(intake!.pid);
      return { result, cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
    };

    log('warming up');
    await load(() => leads.singleBody(), { connections, durationSeconds: warmUpSeconds });
    // The fixed-rate run opens more connections: those, too, are set up before it is measured.
    await load(() => leads.singleBody(), {
      connections: fixedRateConnections,
      durationSeconds: warmUpSeconds,
      overallRatePerSecond: benchTargets.acknowledgementRatePerSecond,
    });
    log(`${benchTargets.acknowledgementRatePerSecond} req/s, single leads`);
    const fixedRate = await load(() => leads.singleBody(), {
      connections: fixedRateConnections,
      durationSeconds,
      overallRatePerSecond: benchTargets.acknowledgementRatePerSecond,
    });
    log('as fast as possible, single leads');
    const single = await measured(() => load(() => leads.singleBody(), { connections, durationSeconds }));
    log(`as fast as possible, batches of ${batchSize}`);
    const batch = await measured(() =>
      load(() => leads.batchBody(batchSize), {
        connections: batchConnections,
        durationSeconds,
        onAnswer: (statusCode, body) => {
          if (statusCode !== 202) return;
          const { counts } = JSON.parse(body) as { counts: { created: number; duplicate: number; updated: number } };
          acceptedBatchLeads += counts.created + counts.duplicate + counts.updated;
        },
      }),
    );

    const batchLeadsPerSecond = acceptedBatchLeads / batch.result.durationSeconds;
    const perUnitMs = (cpuSeconds: number | undefined, units: number) =>
      cpuSeconds === undefined || units === 0 ? undefined : (cpuSeconds * 1000) / units;
    const failedAnswers = fixedRate.failedCount + single.result.failedCount + batch.result.failedCount;
    return {
      singleRequestsPerSecond: single.result.okPerSecond,
      emptyRouteRequestsPerSecond: bareRoute.maximum.okPerSecond,
      ratioToEmptyRoute: single.result.okPerSecond / bareRoute.maximum.okPerSecond,
      intakeCpuMsPerRequest: perUnitMs(single.cpuSeconds, single.result.okCount),
      emptyRouteCpuMsPerRequest: bareRoute.cpuMsPerRequest,
      batchLeadsPerSecond,
      bullmqAddBulkJobsPerSecond: bullmq.addBulkJobsPerSecond,
      ratioToAddBulk: batchLeadsPerSecond / bullmq.addBulkJobsPerSecond,
      intakeCpuMsPerBatchLead: perUnitMs(batch.cpuSeconds, acceptedBatchLeads),
      fixedRateP99Ms: fixedRate.latencyP99Ms,
      emptyRouteFixedRateP99Ms: bareRoute.atFixedRate.latencyP99Ms,
      fixedRateReachedPerSecond: fixedRate.okPerSecond,
      failedAnswers,
      meetsSingleTarget: single.result.okPerSecond >= benchTargets.intakeSingleRequestsPerSecond && failedAnswers === 0,
      meetsBatchTarget: batchLeadsPerSecond >= benchTargets.intakeBatchLeadsPerSecond && failedAnswers === 0,
      // Judged at the rate asked for: a p99 over fewer requests than that says nothing.
      meetsLatencyTarget:
        fixedRate.latencyP99Ms < benchTargets.acknowledgementP99Ms &&
        fixedRate.okPerSecond >= benchTargets.acknowledgementRatePerSecond * 0.98,
    };
  } finally {
    log('stopping intake, dropping the database, deleting the Redis keys');
    await intake?.stop();
    await database.drop();
    await deleteBenchRedisKeys(queuePrefix);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { 'duration-seconds': { type: 'string', default: '5' } } });
  const durationSeconds = Number(values['duration-seconds']);
  if (!(durationSeconds > 0)) throw new Error('--duration-seconds must be a positive number');
  const result = await runIntakeAcceptBench({ durationSeconds, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
