/**
 * `pnpm bench`: starts LeadRelay's four apps as real processes, measures the bare limits they
 * are built on, pushes new leads through the whole path for a fixed time (at 5,000 req/s, at
 * 1,000 req/s for end-to-end latency, then as fast as possible one lead a request, then in
 * batches of 500), and prints every stage next
 * to its limit and its target. Everything runs on 127.0.0.1, in a database and a Redis key
 * prefix of the run's own, both removed at the end. Progress goes to stderr, the report to stdout.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { SystemAppName as AppName } from '../test/support/leadrelay-system.ts';
import { ArrivalReceiver } from './arrival-receiver.ts';
import { CpuMeter } from './cpu-meter.ts';
import { measureBareRouteLimit } from './bare-route-limit.ts';
import { createBenchDatabase, type BenchDatabase } from './bench-database.ts';
import { benchUsage, parseBenchOptions, type BenchOptions } from './bench-options.ts';
import { benchRedisEnv, benchRedisTarget, createBenchQueuePrefix, deleteBenchRedisKeys } from './bench-redis.ts';
import { renderBenchReport, renderStageBenches, type BenchFigures } from './bench-report.ts';
import { startBenchSystem, type BenchSystem } from './bench-system.ts';
import { batchSize, benchTargets } from './bench-targets.ts';
import { measureBullmqAddLimit } from './bullmq-add-limit.ts';
import { LeadFactory } from './lead-factory.ts';
import { readPeakRssBytes } from './peak-memory.ts';
import { measurePgInsertLimit } from './pg-insert-limit.ts';
import { runPipelinePhase, type PipelinePhaseOptions } from './pipeline-phase.ts';
import { ProgressSampler } from './progress-sampler.ts';
import { runStageBench, type StageBenchDefinition, type StageBenchOutcome } from './stage-benches.ts';
import { measureUndiciPostLimit } from './undici-post-limit.ts';
import { waitFor } from '../test/support/wait-for.ts';

/** Settings of the bare limits that are not worth a flag; shown in the report beside each limit. */
const limitSettings = {
  /** Like intake answering 50 requests at once. */
  bullmqAddsInFlight: 50,
  bullmqBulksInFlight: 4,
  /** One statement per core: more only queues inside PostgreSQL on 2 cores. */
  pgConnections: 2,
  /** The dispatcher's DISPATCHER_CONCURRENCY default. */
  undiciInFlight: 100,
};
/** Short, so JIT compilation and pool connects happen before anything is measured. */
const warmUpSeconds = 1;
/** How long the first warm-up lead may take to reach the receiver before the bench gives up. */
const warmUpDeliveryTimeoutMs = 60_000;
/** Progress samples of persisted leads and deliveries. */
const sampleIntervalMs = 500;

const benchStartedMs = performance.now();
function progress(message: string): void {
  process.stderr.write(`[bench +${((performance.now() - benchStartedMs) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
}

async function runWholePathBench(options: BenchOptions): Promise<BenchFigures> {
  const startedAt = new Date();
  const loadAverageAtStart = loadavg();
  const leads = new LeadFactory();
  const receiver = new ArrivalReceiver();
  const queuePrefix = createBenchQueuePrefix();
  let database: BenchDatabase | undefined;
  let system: BenchSystem | undefined;
  let sampler: ProgressSampler | undefined;
  let cpuMeter: CpuMeter | undefined;
  let cleanedUp = false;
  const cleanUp = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    // Closing the meters' own connections must not keep the apps, database and keys from being removed.
    await sampler?.stop().catch(() => undefined);
    await cpuMeter?.stop().catch(() => undefined);
    await system?.stop();
    await receiver.stop();
    await database?.drop();
    await deleteBenchRedisKeys(queuePrefix);
  };
  // Ctrl-C still removes the run's database and keys (the apps get the same SIGINT and stop).
  const onInterrupt = () => {
    progress('interrupted: cleaning up');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  try {
    await receiver.start();
    progress('creating and migrating the bench database');
    database = await createBenchDatabase();
    progress(`starting intake, worker, dispatcher and admin (prefix ${queuePrefix})`);
    system = await startBenchSystem({
      databaseUrl: database.url,
      redisEnv: benchRedisEnv,
      queuePrefix,
      receiverUrl: receiver.url,
      extraNodeFlags: options.maxSemiSpaceMiB === undefined ? [] : [`--max-semi-space-size=${options.maxSemiSpaceMiB}`],
    });

    progress('bare limit: empty Fastify route');
    const bareRoute = await measureBareRouteLimit({
      makeBody: () => leads.singleBody(),
      connections: options.connections,
      fixedRateConnections: options.fixedRateConnections,
      fixedRatePerSecond: benchTargets.acknowledgementRatePerSecond,
      durationSeconds: options.durationSeconds,
      warmUpSeconds,
    });
    progress('bare limit: BullMQ add and addBulk');
    const bullmq = await measureBullmqAddLimit({
      redis: benchRedisTarget,
      scratchPrefix: `${queuePrefix}:scratch`,
      leads,
      // Two measurements in the time of one run: both settle within a second.
      durationSeconds: options.durationSeconds / 2,
      addsInFlight: limitSettings.bullmqAddsInFlight,
      bulkSize: batchSize,
      bulksInFlight: limitSettings.bullmqBulksInFlight,
    });
    progress('bare limit: pg 500-row INSERT ... ON CONFLICT DO NOTHING');
    const pgInsert = await measurePgInsertLimit({
      databaseUrl: database.url,
      leads,
      durationSeconds: options.durationSeconds / 2,
      rowsPerStatement: batchSize,
      connections: limitSettings.pgConnections,
    });
    progress('bare limit: undici POSTs to the receiver');
    const undici = await measureUndiciPostLimit({
      receiverUrl: receiver.url,
      durationSeconds: options.durationSeconds,
      inFlight: limitSettings.undiciInFlight,
    });

    sampler = new ProgressSampler({ databaseUrl: database.url, receiver, intervalMs: sampleIntervalMs });
    await sampler.start();
    cpuMeter = new CpuMeter({
      pids: Object.fromEntries(Object.values(system.apps).map((app) => [app.name, app.pid])),
      databaseUrl: database.url,
      databaseName: database.name,
      redis: benchRedisTarget,
    });
    await cpuMeter.start();
    const phase = (overrides: Pick<PipelinePhaseOptions, 'name' | 'makeBody' | 'connections'> & Partial<PipelinePhaseOptions>) =>
      runPipelinePhase({
        intakeUrl: system!.intakeUrl,
        apiKey: system!.apiKey,
        durationSeconds: options.durationSeconds,
        drainSeconds: options.drainSeconds,
        receiver,
        sampler: sampler!,
        cpuMeter: cpuMeter!,
        ...overrides,
      });
    const single = () => leads.singleBody();
    progress('warming up the whole path');
    await phase({ name: 'warm-up', makeBody: single, connections: options.connections, durationSeconds: warmUpSeconds, drainSeconds: 0 });
    // Proof that the whole path works before anything is measured; not a wait for it to drain.
    await waitFor(() => receiver.requestCount > 0, {
      timeoutMs: warmUpDeliveryTimeoutMs,
      intervalMs: 100,
      description: 'the first delivery of the warm-up',
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}${appOutputTails(system!)}`);
    });
    progress(`whole path at ${benchTargets.acknowledgementRatePerSecond} req/s, single leads`);
    const fixedRate = await phase({
      name: 'fixed rate',
      makeBody: single,
      connections: options.fixedRateConnections,
      overallRatePerSecond: benchTargets.acknowledgementRatePerSecond,
    });
    progress(`whole path at ${benchTargets.endToEndRatePerSecond} req/s, single leads (end-to-end latency)`);
    const endToEnd = await phase({
      name: 'end to end',
      makeBody: single,
      connections: options.connections,
      overallRatePerSecond: benchTargets.endToEndRatePerSecond,
    });
    progress('whole path as fast as possible, single leads');
    const singleMax = await phase({ name: 'single', makeBody: single, connections: options.connections });
    progress(`whole path as fast as possible, batches of ${batchSize}`);
    const batchMax = await phase({ name: 'batch', makeBody: () => leads.batchBody(batchSize), connections: options.batchConnections });

    const peakRssBytes = {} as Record<AppName, number | undefined>;
    for (const [name, app] of Object.entries(system.apps) as [AppName, BenchSystem['apps'][AppName]][]) {
      peakRssBytes[name] = await readPeakRssBytes(app.pid);
    }
    return {
      options,
      startedAt,
      loadAverageAtStart,
      cpuCount: availableParallelism(),
      limits: { bareRoute, bullmq, pgInsert, undici, ...limitSettings },
      phases: { fixedRate, endToEnd, single: singleMax, batch: batchMax },
      peakRssBytes,
    };
  } finally {
    progress('stopping the apps, dropping the database, deleting the Redis keys');
    await cleanUp();
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** The last lines each app printed, for an error that says why nothing flowed. */
function appOutputTails(system: BenchSystem): string {
  return Object.values(system.apps)
    .map((app) => `\n--- ${app.name}:\n${app.output.join('').split('\n').slice(-10).join('\n')}`)
    .join('');
}

/**
 * The stage benches and their sizes. Intake's runs for the run's duration, like the whole path;
 * the worker's and the dispatcher's process a fixed number of jobs, sized by --duration-seconds
 * so that each runs for a few seconds at the pace it has here (the worker about 10,000 a second,
 * the dispatcher about 5,000): long enough that its first second, with the JIT still compiling,
 * does not set its figure. The worker runs twice: on an empty database and on one with
 * --worker-stored-leads leads stored.
 */
function stageBenchDefinitions(options: BenchOptions): StageBenchDefinition[] {
  return [
    {
      title: 'intake accept',
      fileName: 'intake-accept.ts',
      exportName: 'runIntakeAcceptBench',
      options: {
        connections: options.connections,
        batchConnections: options.batchConnections,
        fixedRateConnections: options.fixedRateConnections,
      },
    },
    {
      title: 'worker persist',
      fileName: 'worker-persist.ts',
      exportName: 'runWorkerPersistBench',
      options: { leads: Math.round(10_000 * options.durationSeconds) },
    },
    ...(options.workerStoredLeads > 0
      ? [
          {
            title: `worker persist, ${options.workerStoredLeads.toLocaleString('en-US')} leads stored`,
            fileName: 'worker-persist.ts',
            exportName: 'runWorkerPersistBench',
            options: { leads: Math.round(10_000 * options.durationSeconds), preloadLeads: options.workerStoredLeads },
          },
        ]
      : []),
    {
      title: 'dispatch',
      fileName: 'dispatch.ts',
      exportName: 'runDispatchBench',
      options: { events: Math.round(4_000 * options.durationSeconds) },
    },
    {
      title: 'identity claims in Redis, 1,000,000 leads',
      fileName: 'identity-memory.ts',
      exportName: 'runIdentityMemoryBench',
      options: { leads: 1_000_000 },
    },
    {
      title: 'hanging neighbour',
      fileName: 'hanging-neighbour.ts',
      exportName: 'runHangingNeighbourBench',
      options: { leads: Math.round(40 * options.durationSeconds) },
    },
  ];
}

async function main(): Promise<void> {
  let options: BenchOptions | 'help';
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${benchUsage}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${benchUsage}\n`);
    return;
  }
  const figures = await runWholePathBench(options);
  process.stdout.write(`\n${renderBenchReport(figures)}\n`);

  if (options.skipStageBenches) return;
  // Stage benches, each isolating one stage, written in their own files (see stage-benches.ts).
  // They run after the whole-path system is gone, so they have the machine to themselves.
  const outcomes: StageBenchOutcome[] = [];
  for (const definition of stageBenchDefinitions(options)) {
    progress(`stage bench: ${definition.title}`);
    outcomes.push(
      await runStageBench(definition, {
        durationSeconds: options.durationSeconds,
        log: (line) => progress(`  ${definition.title}: ${line}`),
      }),
    );
  }
  process.stdout.write(`\n${renderStageBenches(outcomes)}\n`);
}

await main();
