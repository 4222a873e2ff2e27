/**
 * Dispatcher-only benchmark: how many deliveries a second one dispatcher process makes to a local
 * receiver (fan-out, signing, the POST, the attempt record), next to raw undici POSTs to the same
 * receiver measured in the same run.
 *
 *   pnpm exec tsx bench/dispatch.ts [--events 20000] [--destinations 1] [--events-per-job 500] [--destination-max-concurrency 1000] [--cpu-profile]
 *     [--max-semi-space-size MiB]
 *
 * `--cpu-profile` runs the dispatcher under V8's profiler and logs where its CPU went while it delivered, by package and function.
 *
 * Events are written straight to a fresh database (migrated with `prisma migrate deploy`), one
 * lead each, so per-lead ordering never serializes them; their fan-out jobs are enqueued before
 * the dispatcher starts, `--events-per-job` in each (`fan-out-events`, as the worker enqueues a
 * committed batch's events; 500 is the worker's default batch size). `--events-per-job 1` enqueues
 * single-event `fan-out-event` jobs, as a worker from before fan-out-events did (and as a dispatcher
 * from before it needs, to compare with one). Everything is removed afterwards. `runDispatchBench` is what
 * `bench/run.ts` calls.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { SecretBox } from '@leadrelay/credentials';
import { QueueRegistry, createRedisConnection, jobIdFor, queueNames } from '@leadrelay/queue';
import { AppProcess } from '../test/support/app-process.ts';
import { freePort } from '../test/support/free-port.ts';
import { insertTestPartner } from '../test/support/test-partner.ts';
import { ArrivalReceiver } from './arrival-receiver.ts';
import { CpuMeter, postgresName, redisName, type CpuSnapshot } from './cpu-meter.ts';
import { createBenchDatabase } from './bench-database.ts';
import { benchRedisEnv, benchRedisTarget, createBenchQueuePrefix, deleteBenchRedisKeys } from './bench-redis.ts';
import { measureUndiciPostLimit } from './undici-post-limit.ts';
import { readPeakRssBytes } from './peak-memory.ts';
import { formatCpuProfileSummary, monotonicNowUs, summarizeCpuProfiles, type CpuProfileWindow } from './cpu-profile-summary.ts';

export interface DispatchBenchOptions {
  /** Events to fan out; each becomes one delivery per destination. */
  events?: number;
  /** Destinations every event goes to. */
  destinations?: number;
  /** Events in one fan-out job. */
  eventsPerJob?: number;
  /** DISPATCHER_CONCURRENCY of the dispatcher under test, and requests in flight for the raw undici run. */
  concurrency?: number;
  /**
   * maxConcurrency of each destination: 1,000 by default, a receiver that takes all we send; 10 is
   * a destination's default, where its slots, not the dispatcher, set the pace.
   */
  destinationMaxConcurrency?: number;
  /** Length of the raw undici run, in seconds (`pnpm bench`'s --duration-seconds). */
  durationSeconds?: number;
  /** Progress lines; silent when absent. */
  log?: (line: string) => void;
  /** Profile the dispatcher (V8's --cpu-prof) and log where its CPU went. */
  cpuProfile?: boolean;
  /**
   * The dispatcher's `--max-semi-space-size` in MiB instead of the apps' own (scripts/app-command.ts):
   * the young generation's size, which trades memory (peak RSS) for time spent in scavenges.
   */
  maxSemiSpaceMiB?: number;
}

export interface DispatchBenchResult {
  events: number;
  destinations: number;
  deliveries: number;
  dispatcherConcurrency: number;
  destinationMaxConcurrency: number;
  /** From the first request the receiver got to the last, in seconds. */
  seconds: number;
  /** Deliveries answered by the receiver per second, fan-out included. */
  deliveriesPerSecond: number;
  /** Raw undici POSTs/s from a process of their own, to the same receiver, in the same run. */
  rawUndiciPostsPerSecond: number;
  /** deliveriesPerSecond / rawUndiciPostsPerSecond. */
  ratioToRawUndici: number;
  /**
   * CPU ms per delivery, from the first arrival to the last record, of the dispatcher, this run's
   * PostgreSQL backends and Redis (the whole server, so other users of it count too). Steadier
   * than deliveries/s on a shared machine.
   */
  cpuMsPerDelivery: { dispatcher: number; postgres: number; redis: number };
  /** CPU ms per POST of the raw undici process: the floor of the dispatcher's own figure. */
  rawUndiciCpuMsPerPost: number;
  /** cpuMsPerDelivery.dispatcher / rawUndiciCpuMsPerPost. */
  dispatcherCpuRatioToRawUndici: number;
  targetDeliveriesPerSecond: number;
  meetsTarget: boolean;
  /** The dispatcher's peak resident set size (VmHWM), in MiB, and the young generation it ran with. */
  dispatcherPeakRssMiB: number | undefined;
  dispatcherMaxSemiSpaceMiB: number | 'default';
}

const targetDeliveriesPerSecond = 5_000;
const secretEncryptionKey = 'bench-only-secret-encryption-key-0123456789';

export async function runDispatchBench(options: DispatchBenchOptions = {}): Promise<DispatchBenchResult> {
  const eventCount = options.events ?? 20_000;
  const destinationCount = options.destinations ?? 1;
  const eventsPerJob = options.eventsPerJob ?? 500;
  const concurrency = options.concurrency ?? 200;
  const destinationMaxConcurrency = options.destinationMaxConcurrency ?? 1_000;
  const durationSeconds = options.durationSeconds ?? 5;
  const log = options.log ?? (() => {});
  const deliveryCount = eventCount * destinationCount;
  const profileDirectory = options.cpuProfile ? await mkdtemp(join(tmpdir(), 'leadrelay-dispatcher-profile-')) : undefined;

  const receiver = new ArrivalReceiver();
  await receiver.start();
  const database = await createBenchDatabase();
  const queuePrefix = createBenchQueuePrefix();
  const redis = createRedisConnection(benchRedisTarget, { role: 'worker', connectionName: 'bench-dispatch' });
  const queues = new QueueRegistry({ connection: redis, prefix: queuePrefix });
  const sql = new pg.Client({ connectionString: database.url });
  let dispatcher: AppProcess | undefined;
  try {
    await sql.connect();
    log(`writing ${eventCount} leads and events, ${destinationCount} destination(s)...`);
    const eventIds = await writeEvents(sql, database.url, receiver.url, eventCount, destinationCount, destinationMaxConcurrency);
    if (eventsPerJob === 1) {
      for (let start = 0; start < eventIds.length; start += 1_000) {
        await queues.enqueueBulk(
          'fanOutEvent',
          eventIds.slice(start, start + 1_000).map((eventId) => ({ payload: { eventId }, options: { jobId: jobIdFor('event', eventId) } })),
        );
      }
    } else {
      const jobs = [];
      for (let start = 0; start < eventIds.length; start += eventsPerJob) {
        jobs.push({ payload: { eventIds: eventIds.slice(start, start + eventsPerJob) }, options: { jobId: jobIdFor('eventGroup', randomUUID()) } });
      }
      await queues.enqueueBulk('fanOutEvents', jobs);
    }

    log(`delivering ${deliveryCount}...`);
    const arrivals: number[] = [];
    const sampler = setInterval(() => arrivals.push(receiver.requestCount), 1_000);
    const port = await freePort();
    dispatcher = new AppProcess(
      'dispatcher',
      {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        SECRET_ENCRYPTION_KEY: secretEncryptionKey,
        DATABASE_URL: database.url,
        ...benchRedisEnv,
        QUEUE_PREFIX: queuePrefix,
        DISPATCHER_HEALTH_PORT: String(port),
        DISPATCHER_CONCURRENCY: String(concurrency),
        // The receiver is on loopback.
        ALLOW_PRIVATE_DESTINATIONS: 'true',
        // The bench's Redis need not keep its data (the machine's runs without AOF); nothing here must survive it.
        ALLOW_VOLATILE_REDIS: 'true',
      },
      port,
      [
        ...(profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`] : []),
        ...(options.maxSemiSpaceMiB === undefined ? [] : [`--max-semi-space-size=${options.maxSemiSpaceMiB}`]),
      ],
    );
    let firstArrivalMs = 0;
    let firstArrivalUs = 0;
    const firstArrival = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (receiver.requestCount > 0) {
          firstArrivalMs = performance.now();
          firstArrivalUs = monotonicNowUs();
          clearInterval(check);
          resolve();
        }
      }, 1);
    });
    await dispatcher.start();
    const cpuMeter = new CpuMeter({ pids: { dispatcher: dispatcher.pid }, databaseUrl: database.url, databaseName: database.name, redis: benchRedisTarget });
    await cpuMeter.start();
    // Start-up is not counted; deliveries made before this snapshot are left out of the divisor.
    const cpuBefore: CpuSnapshot = await cpuMeter.snapshot();
    const countAtCpuBefore = receiver.requestCount;
    await firstArrival;
    const firstCount = receiver.requestCount;
    const deadlineMs = performance.now() + Math.max(120_000, deliveryCount);
    while (receiver.requestCount < deliveryCount) {
      if (performance.now() > deadlineMs) throw new Error(`only ${receiver.requestCount} of ${deliveryCount} deliveries arrived`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seconds = (performance.now() - firstArrivalMs) / 1000;
    clearInterval(sampler);
    const deliveriesPerSecond = (deliveryCount - firstCount) / seconds;
    log(`dispatcher: ${Math.round(deliveriesPerSecond)} deliveries/s (per second: ${arrivals.map((count, index) => count - (arrivals[index - 1] ?? 0)).join(', ')})`);
    await waitUntilRecorded(sql, deliveryCount);
    const deliveringWindow: CpuProfileWindow = { fromUs: firstArrivalUs, toUs: monotonicNowUs() };
    // Before the dispatcher stops: its PostgreSQL backends go with it.
    const cpu = CpuMeter.between(cpuBefore, await cpuMeter.snapshot());
    await cpuMeter.stop();
    const peakRssBytes = await readPeakRssBytes(dispatcher.pid);
    const cpuMsPerDelivery = (name: string) => ((cpu.coresBusy.get(name) ?? Number.NaN) * cpu.wallSeconds * 1000) / (deliveryCount - countAtCpuBefore);
    const dispatcherCpuMsPerDelivery = cpuMsPerDelivery('dispatcher');
    log(
      `CPU ms per delivery: dispatcher ${dispatcherCpuMsPerDelivery.toFixed(3)}, postgres ${cpuMsPerDelivery(postgresName).toFixed(3)}, ` +
        `redis ${cpuMsPerDelivery(redisName).toFixed(3)}`,
    );
    await dispatcher.stop();
    dispatcher = undefined;
    if (profileDirectory) {
      const summary = await summarizeCpuProfiles(profileDirectory, { window: deliveringWindow });
      for (const line of formatCpuProfileSummary('dispatcher', summary, 'from the first arrival to the last record')) log(line);
    }

    log(`raw undici POSTs for ${durationSeconds} s...`);
    const raw = await measureUndiciPostLimit({ receiverUrl: receiver.url, durationSeconds, inFlight: concurrency });
    log(`raw undici: ${Math.round(raw.postsPerSecond)} POSTs/s, ${raw.cpuMsPerPost.toFixed(3)} CPU ms per POST`);
    return {
      events: eventCount,
      destinations: destinationCount,
      deliveries: deliveryCount,
      dispatcherConcurrency: concurrency,
      destinationMaxConcurrency,
      seconds,
      deliveriesPerSecond,
      rawUndiciPostsPerSecond: raw.postsPerSecond,
      ratioToRawUndici: deliveriesPerSecond / raw.postsPerSecond,
      cpuMsPerDelivery: { dispatcher: dispatcherCpuMsPerDelivery, postgres: cpuMsPerDelivery(postgresName), redis: cpuMsPerDelivery(redisName) },
      rawUndiciCpuMsPerPost: raw.cpuMsPerPost,
      dispatcherCpuRatioToRawUndici: dispatcherCpuMsPerDelivery / raw.cpuMsPerPost,
      targetDeliveriesPerSecond,
      meetsTarget: deliveriesPerSecond >= targetDeliveriesPerSecond,
      dispatcherPeakRssMiB: peakRssBytes === undefined ? undefined : peakRssBytes / 1024 / 1024,
      dispatcherMaxSemiSpaceMiB: options.maxSemiSpaceMiB ?? 'default',
    };
  } finally {
    await dispatcher?.stop();
    if (profileDirectory) await rm(profileDirectory, { recursive: true, force: true });
    await sql.end().catch(() => undefined);
    await queues.close();
    redis.disconnect();
    await deleteBenchRedisKeys(queuePrefix);
    await database.drop();
    await receiver.stop();
  }
}

/** One partner, the destinations, and one lead with one `created` event per delivery wave. */
async function writeEvents(
  sql: pg.Client,
  databaseUrl: string,
  receiverUrl: string,
  eventCount: number,
  destinationCount: number,
  destinationMaxConcurrency: number,
): Promise<string[]> {
  const partner = await insertTestPartner(databaseUrl, { slug: 'bench-dispatch', profile: 'canonical' });
  const secretBox = new SecretBox([secretEncryptionKey]);
  for (let index = 0; index < destinationCount; index += 1) {
    await sql.query(
      `INSERT INTO destinations (id, name, url, secret_ciphertext, partner_id, events, sources, timeout_ms, max_concurrency, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'bench-account', '{created,updated,activity_added}', '{}', 10000, $5, now() - interval '1 minute', now())`,
      [randomUUID(), `bench ${index}`, receiverUrl, secretBox.encrypt(`bench-destination-secret-${index}`), destinationMaxConcurrency],
    );
  }
  const eventIds: string[] = [];
  const batchSize = 1_000;
  for (let start = 0; start < eventCount; start += batchSize) {
    const size = Math.min(batchSize, eventCount - start);
    const leadIds = Array.from({ length: size }, () => randomUUID());
    const ids = Array.from({ length: size }, () => randomUUID());
    const documents = leadIds.map((leadId, offset) => JSON.stringify(leadDocument(leadId, start + offset)));
    await sql.query(
      `INSERT INTO leads (id, email, first_name, partner_id, updated_at)
       SELECT id, 'bench-' || ($3::int + n) || '@leads.example', 'Bench', $2, now() FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
      [leadIds, partner.id, start],
    );
    await sql.query(
      `INSERT INTO events (id, lead_id, type, submission_id, partner_slug, document)
       SELECT e.id, e.lead_id, 'created', gen_random_uuid(), 'bench-dispatch', e.document::jsonb
       FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS e(id, lead_id, document)`,
      [ids, leadIds, documents],
    );
    eventIds.push(...ids);
  }
  return eventIds;
}

function leadDocument(leadId: string, index: number) {
  const now = new Date().toISOString();
  return {
    action: 'created',
    id: leadId,
    source: 'bench',
    site_uuid: '00000000-0000-4000-8000-000000000000',
    site_domain: 'partners.example',
    site_login_url: `https://partners.example/leads/${leadId}`,
    email: `bench-${index}@leads.example`,
    first_name: 'Jane',
    last_name: 'Doe',
    role: 'Buyer',
    phone: '+12122000000',
    activities: [{ type: 'visited', description: 'Signed up on the landing page', source: 'bench', created: now }],
    created: now,
  };
}

/** The receiver has answered them all; the last records may still be on their way to PostgreSQL. */
async function waitUntilRecorded(sql: pg.Client, deliveryCount: number): Promise<void> {
  const deadlineMs = performance.now() + 60_000;
  for (;;) {
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'`);
    if (rows[0].n >= deliveryCount) return;
    if (performance.now() > deadlineMs) throw new Error(`only ${rows[0].n} of ${deliveryCount} deliveries were recorded delivered`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((argument) => argument !== '--'),
    options: {
      events: { type: 'string', default: '20000' },
      destinations: { type: 'string', default: '1' },
      'events-per-job': { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '200' },
      'destination-max-concurrency': { type: 'string', default: '1000' },
      'duration-seconds': { type: 'string', default: '5' },
      'cpu-profile': { type: 'boolean', default: false },
      'max-semi-space-size': { type: 'string' },
    },
  });
  const result = await runDispatchBench({
    events: Number(values.events),
    destinations: Number(values.destinations),
    eventsPerJob: Number(values['events-per-job']),
    cpuProfile: values['cpu-profile'],
    ...(values['max-semi-space-size'] === undefined ? {} : { maxSemiSpaceMiB: Number(values['max-semi-space-size']) }),
    concurrency: Number(values.concurrency),
    destinationMaxConcurrency: Number(values['destination-max-concurrency']),
    durationSeconds: Number(values['duration-seconds']),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
