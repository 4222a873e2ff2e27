/**
 * Worker-only benchmark: how fast the worker turns persist-lead jobs into committed leads,
 * compared with the raw limit of 500-row `INSERT ... ON CONFLICT` statements measured in the
 * same run on the same database.
 *
 *   pnpm exec tsx bench/worker-persist.ts [--leads 50000] [--duplicates 0.1] [--preload 1000000] [--submissions-per-job 20]
 *
 * Every run gets a fresh database (migrated with `prisma migrate deploy`) and a fresh Redis key
 * prefix, both removed afterwards. `runWorkerPersistBench` is what `bench/run.ts` calls.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { dropDatabase, ensureDatabaseExists, newTimeOrderedUuid } from '@leadrelay/db';
import type { NormalizedLead } from '@leadrelay/lead';
import { QueueRegistry, createRedisConnection, jobCatalog, jobIdFor, queueNames, type PersistLeadPayload } from '@leadrelay/queue';
import { WorkerEnvSchema } from '../apps/worker/src/env.ts';
import { startWorkerService } from '../apps/worker/src/worker-service.ts';
import { benchRedisEnv, benchRedisTarget, deleteBenchRedisKeys } from './bench-redis.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface WorkerPersistBenchOptions {
  /** persist-lead jobs to process. */
  leads?: number;
  /** Share of the jobs that are duplicates of a lead created earlier in the run (merged, with an activity). */
  duplicateShare?: number;
  /** Leads (with a raw submission and an event each) stored before the run, e.g. 1,000,000. */
  preloadLeads?: number;
  /**
   * Submissions per leads-queue job: intake gathers the requests it answers at the same moment
   * into one persist-leads job, so under load a job holds several (a batch request, hundreds).
   * 1 enqueues one persist-lead job per lead instead, as intake did before it grouped them.
   */
  submissionsPerJob?: number;
  /** Rows inserted to measure the raw limit; defaults to `leads`. */
  rawRows?: number;
  /** PostgreSQL server (its `postgres` database); the bench creates and drops its own database there. */
  serverUrl?: string;
  /** Extra worker environment, e.g. `{ WORKER_BATCH_MAX_SIZE: '1000' }`. */
  workerEnv?: Record<string, string>;
  /** Progress lines; silent when absent. */
  log?: (line: string) => void;
}

export interface WorkerPersistBenchResult {
  leads: number;
  duplicates: number;
  submissionsPerJob: number;
  preloadedLeads: number;
  /** Wall time from starting the worker to the last job completed. */
  seconds: number;
  /** Jobs persisted per second, their events enqueued in Redis. */
  leadsPerSecond: number;
  /** The raw limit: lead rows per second through 500-row `INSERT ... ON CONFLICT DO NOTHING`, one statement per commit. */
  rawInsertRowsPerSecond: number;
  /** leadsPerSecond / rawInsertRowsPerSecond. */
  ratioToRawInsert: number;
  /**
   * Leads per second when the same rows the worker writes for a new lead (lead, raw submission,
   * consent, activity, event) go through 500-row raw INSERTs, one transaction per 500 leads:
   * what the tables cost without the queue and the worker.
   */
  rawFullWriteLeadsPerSecond: number;
  ratioToRawFullWrite: number;
}

export async function runWorkerPersistBench(options: WorkerPersistBenchOptions = {}): Promise<WorkerPersistBenchResult> {
  const leadCount = options.leads ?? 50_000;
  const duplicateShare = options.duplicateShare ?? 0.1;
  const preloadLeads = options.preloadLeads ?? 0;
  const rawRows = options.rawRows ?? leadCount;
  const submissionsPerJob = options.submissionsPerJob ?? 20;
  const serverUrl = options.serverUrl ?? process.env.TEST_DATABASE_SERVER_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const log = options.log ?? (() => {});

  const suffix = randomBytes(5).toString('hex');
  const databaseUrl = withDatabase(serverUrl, `leadrelay_bench_${suffix}`);
  const queuePrefix = `lrbench-${suffix}`;
  const redis = createRedisConnection(benchRedisTarget, { role: 'worker', connectionName: 'bench-worker-persist' });
  const queues = new QueueRegistry({ connection: redis, prefix: queuePrefix });
  const sql = new pg.Client({ connectionString: databaseUrl });

  try {
    await ensureDatabaseExists(databaseUrl);
    migrate(databaseUrl);
    await sql.connect();
    const partnerId = await insertPartner(sql);
    if (preloadLeads > 0) {
      log(`preloading ${preloadLeads} leads...`);
      await preload(sql, partnerId, preloadLeads);
    }

    log(`enqueueing ${leadCount} leads, ${submissionsPerJob} a job...`);
    const duplicates = await enqueueJobs(queues, partnerId, leadCount, duplicateShare, submissionsPerJob);

    log('persisting...');
    const startedAt = performance.now();
    const worker = await startWorkerService(
      WorkerEnvSchema.parse({
        NODE_ENV: 'production',
        SECRET_ENCRYPTION_KEY: 'bench-only-secret-encryption-key-0123456789',
        SUPPRESSION_HASH_KEY: 'bench-only-suppression-hash-key-0123456789',
        DATABASE_URL: databaseUrl,
        ...benchRedisEnv,
        QUEUE_PREFIX: queuePrefix,
        WORKER_HEALTH_PORT: '0',
        // The preloaded leads were never claimed in Redis; restoring their claims is not what is measured.
        IDENTITY_CLAIMS_RESTORE: 'false',
        ...options.workerEnv,
      }),
      pino({ level: process.env.BENCH_WORKER_LOG_LEVEL ?? 'warn' }),
    );
    const leadsQueue = queues.queue(queueNames.leads);
    // Completed jobs are trimmed to the last 10,000, so "done" is: nothing left to process.
    let left = leadCount;
    let progressAt = performance.now();
    for (;;) {
      const counts = await leadsQueue.getJobCounts('failed', 'waiting', 'prioritized', 'active', 'delayed');
      if (counts.failed) throw new Error(`${counts.failed} jobs failed`);
      const now = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0);
      if (now === 0) break;
      if (now < left) [left, progressAt] = [now, performance.now()];
      if (performance.now() - progressAt > 60_000) throw new Error(`no progress for a minute, ${now} jobs left`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - startedAt) / 1000;
    await worker.stop();
    const leadsPerSecond = leadCount / seconds;
    await checkStored(sql, leadCount, duplicates);
    log(`worker: ${Math.round(leadsPerSecond)} leads/s`);

    log(`raw limit: ${rawRows} rows in 500-row INSERT ... ON CONFLICT...`);
    const rawInsertRowsPerSecond = await measureRawLeadInsert(sql, partnerId, rawRows);
    const rawFullWriteLeadsPerSecond = await measureRawFullWrite(sql, partnerId, rawRows);
    return {
      leads: leadCount,
      duplicates,
      submissionsPerJob,
      preloadedLeads: preloadLeads,
      seconds,
      leadsPerSecond,
      rawInsertRowsPerSecond,
      ratioToRawInsert: leadsPerSecond / rawInsertRowsPerSecond,
      rawFullWriteLeadsPerSecond,
      ratioToRawFullWrite: leadsPerSecond / rawFullWriteLeadsPerSecond,
    };
  } finally {
    await sql.end().catch(() => undefined);
    await queues.close();
    await deleteBenchRedisKeys(queuePrefix);
    redis.disconnect();
    await dropDatabase(databaseUrl);
  }
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function migrate(databaseUrl: string): void {
  const result = spawnSync(join(repositoryRoot, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`migrating the bench database failed:\n${result.stdout}\n${result.stderr}`);
}

async function insertPartner(sql: pg.Client): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO partners (id, name, slug, profile, api_key_hash, api_key_prefix, secret_ciphertext, site_uuid, site_domain, site_login_url, updated_at)
     VALUES ($1, 'Bench Partner', 'bench', 'canonical', $2, 'lr_bench', 'unused', $3, 'bench.example', 'https://bench.example/leads/{leadId}', now())`,
    [id, randomBytes(16).toString('hex'), randomUUID()],
  );
  return id;
}

/** Stored leads with a raw submission and a `created` event each, as the worker would have left them. */
async function preload(sql: pg.Client, partnerId: string, count: number): Promise<void> {
  const chunk = 100_000;
  for (let start = 1; start <= count; start += chunk) {
    const end = Math.min(count, start + chunk - 1);
    await sql.query('BEGIN');
    await sql.query(
      `CREATE TEMP TABLE preload ON COMMIT DROP AS
         SELECT gen_random_uuid() AS id, g FROM generate_series($1::int, $2::int) AS g`,
      [start, end],
    );
    await sql.query(
      `INSERT INTO leads (id, email, phone, first_name, last_name, city, partner_id, created_at, updated_at)
       SELECT id, 'stored' || g || '@preload.example', '+1' || lpad(g::text, 10, '0'), 'Stored', 'Lead', 'Springfield', $1, now(), now() FROM preload`,
      [partnerId],
    );
    await sql.query(
      `INSERT INTO raw_submissions (id, lead_id, partner_id, route, payload, received_at)
       SELECT gen_random_uuid(), id, $1, 'POST /v1/leads', jsonb_build_object('email', 'stored' || g || '@preload.example'), now() FROM preload`,
      [partnerId],
    );
    await sql.query(
      `INSERT INTO events (id, lead_id, type, submission_id, partner_slug, document, created_at)
       SELECT gen_random_uuid(), id, 'created', gen_random_uuid(), 'bench', jsonb_build_object('action', 'created', 'id', id), now() FROM preload`,
    );
    await sql.query('COMMIT');
  }
  await sql.query('ANALYZE');
}

/** The run's jobs, all enqueued before the worker starts. Returns how many are duplicates. */
async function enqueueJobs(queues: QueueRegistry, partnerId: string, count: number, duplicateShare: number, submissionsPerJob: number): Promise<number> {
  // Leads created so far, with the number their email and phone were made from: a duplicate
  // names the lead's id and carries the same email and phone, as a returning visitor would.
  const created: { leadId: string; number: number }[] = [];
  let duplicates = 0;
  const receivedAt = new Date().toISOString();
  const leadsQueue = queues.queue(queueNames.leads);
  for (let start = 0; start < count; start += 1_000) {
    const submissions: PersistLeadPayload[] = [];
    for (let index = start; index < Math.min(count, start + 1_000); index += 1) {
      // Ids as intake makes them.
      const submissionId = newTimeOrderedUuid();
      // Every tenth job or so repeats someone from earlier in the run, as a returning visitor.
      const duplicateOf = created.length > 0 && (index * 7919) % 1000 < duplicateShare * 1000 ? created[(index * 31) % created.length] : undefined;
      const number = duplicateOf ? duplicateOf.number : index;
      const lead: NormalizedLead = {
        email: `bench${number}@example.com`,
        phone: `+1415${String(5_000_000 + number).padStart(7, '0')}`,
        firstName: 'Bench',
        lastName: `Lead ${number}`,
        city: 'Berlin',
        consent: { text: 'I agree to be contacted', ip: '203.0.113.7' },
        activities: [{ type: 'visited', description: 'Signed up on the landing page' }],
      };
      const leadId = duplicateOf?.leadId ?? newTimeOrderedUuid();
      if (duplicateOf) duplicates += 1;
      else created.push({ leadId, number });
      submissions.push({
        submissionId,
        partnerId,
        route: 'POST /v1/leads',
        receivedAt,
        requestId: `bench-${index}`,
        raw: { email: lead.email, phone: lead.phone, firstName: lead.firstName, lastName: lead.lastName, city: lead.city },
        leadId,
        decision: duplicateOf ? 'duplicate' : 'created',
        lead,
      });
    }
    const jobs = [];
    for (let first = 0; first < submissions.length; first += submissionsPerJob) {
      const group = submissions.slice(first, first + submissionsPerJob);
      jobs.push(
        submissionsPerJob === 1
          ? { name: jobCatalog.persistLead.name, data: group[0]!, opts: { ...jobCatalog.persistLead.options, jobId: jobIdFor('submission', group[0]!.submissionId) } }
          : { name: jobCatalog.persistLeads.name, data: { submissions: group }, opts: { ...jobCatalog.persistLeads.options, jobId: jobIdFor('submissionGroup', group[0]!.submissionId) } },
      );
    }
    await leadsQueue.addBulk(jobs);
  }
  return duplicates;
}

async function checkStored(sql: pg.Client, count: number, duplicates: number): Promise<void> {
  const { rows } = await sql.query<{ submissions: string; leads: string; events: string; not_enqueued: string }>(
    `SELECT (SELECT count(*) FROM raw_submissions WHERE route = 'POST /v1/leads' AND received_at > now() - interval '1 day' AND payload ? 'firstName') AS submissions,
            (SELECT count(*) FROM leads WHERE email LIKE 'bench%@example.com') AS leads,
            (SELECT count(*) FROM events WHERE request_id LIKE 'bench-%') AS events,
            (SELECT count(*) FROM outbox_entries) AS not_enqueued`,
  );
  const row = rows[0]!;
  if (Number(row.submissions) !== count || Number(row.leads) !== count - duplicates || Number(row.events) !== count || Number(row.not_enqueued) !== 0) {
    throw new Error(`the worker did not store what it was given: ${JSON.stringify(row)}`);
  }
}

/** Lead rows per second through 500-row multi-row INSERTs with ON CONFLICT DO NOTHING. */
async function measureRawLeadInsert(sql: pg.Client, partnerId: string, rows: number): Promise<number> {
  const startedAt = performance.now();
  for (let start = 0; start < rows; start += 500) {
    const size = Math.min(500, rows - start);
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let index = 0; index < size; index += 1) {
      const number = start + index;
      const base = values.length;
      values.push(newTimeOrderedUuid(), `raw${number}@example.com`, `+1628${String(5_000_000 + number).padStart(7, '0')}`, 'Raw', `Lead ${number}`, 'Berlin', partnerId);
      tuples.push(`($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7}, now(), now())`);
    }
    await sql.query(
      `INSERT INTO leads (id, email, phone, first_name, last_name, city, partner_id, created_at, updated_at) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
      values,
    );
  }
  return rows / ((performance.now() - startedAt) / 1000);
}

/** Leads per second when all rows of a new lead are written with 500-row raw INSERTs, one transaction per 500 leads. */
async function measureRawFullWrite(sql: pg.Client, partnerId: string, rows: number): Promise<number> {
  const startedAt = performance.now();
  for (let start = 0; start < rows; start += 500) {
    const size = Math.min(500, rows - start);
    // Ids as LeadRelay makes them: time ordered (newTimeOrderedUuid).
    const leads = Array.from({ length: size }, (_, index) => ({ id: newTimeOrderedUuid(), submissionId: newTimeOrderedUuid(), number: start + index }));
    const insert = async (table: string, columns: string[], row: (lead: (typeof leads)[number]) => unknown[]) => {
      const values: unknown[] = [];
      const tuples = leads.map((lead) => {
        const base = values.length;
        values.push(...row(lead));
        return `(${columns.map((_, index) => `$${base + index + 1}`).join(', ')})`;
      });
      await sql.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, values);
    };
    const now = new Date();
    await sql.query('BEGIN');
    await insert('leads', ['id', 'email', 'phone', 'first_name', 'last_name', 'city', 'partner_id', 'created_at', 'updated_at'], (lead) => [
      lead.id, `full${lead.number}@example.com`, `+1629${String(5_000_000 + lead.number).padStart(7, '0')}`, 'Full', `Lead ${lead.number}`, 'Berlin', partnerId, now, now,
    ]);
    await insert('raw_submissions', ['id', 'lead_id', 'partner_id', 'route', 'payload', 'received_at'], (lead) => [
      lead.submissionId, lead.id, partnerId, 'POST /v1/leads', JSON.stringify({ email: `full${lead.number}@example.com`, firstName: 'Full' }), now,
    ]);
    await insert('consents', ['id', 'lead_id', 'partner_id', 'submission_id', 'text', 'ip'], (lead) => [
      newTimeOrderedUuid(), lead.id, partnerId, lead.submissionId, 'I agree to be contacted', '203.0.113.7',
    ]);
    await insert('activities', ['id', 'lead_id', 'submission_id', 'position', 'type', 'description', 'created_at'], (lead) => [
      newTimeOrderedUuid(), lead.id, lead.submissionId, 0, 'visited', 'Signed up on the landing page', now,
    ]);
    await insert('events', ['id', 'lead_id', 'type', 'submission_id', 'partner_slug', 'document', 'created_at'], (lead) => [
      newTimeOrderedUuid(), lead.id, 'created', lead.submissionId, 'bench', JSON.stringify({ action: 'created', id: lead.id, email: `full${lead.number}@example.com` }), now,
    ]);
    await sql.query('COMMIT');
  }
  return rows / ((performance.now() - startedAt) / 1000);
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options: WorkerPersistBenchOptions = { log: (line) => process.stderr.write(`${line}\n`) };
  if (argument('leads')) options.leads = Number(argument('leads'));
  if (argument('duplicates')) options.duplicateShare = Number(argument('duplicates'));
  if (argument('preload')) options.preloadLeads = Number(argument('preload'));
  if (argument('submissions-per-job')) options.submissionsPerJob = Number(argument('submissions-per-job'));
  if (argument('raw-rows')) options.rawRows = Number(argument('raw-rows'));
  const result = await runWorkerPersistBench(options);
  process.stdout.write(
    [
      `worker persist: ${result.leads} leads (${result.duplicates} duplicates), ${result.submissionsPerJob} a job, on ${result.preloadedLeads} stored leads`,
      `  ${Math.round(result.leadsPerSecond)} leads/s (${result.seconds.toFixed(2)} s)`,
      `  raw 500-row INSERT ... ON CONFLICT (leads only): ${Math.round(result.rawInsertRowsPerSecond)} rows/s -> ratio ${result.ratioToRawInsert.toFixed(2)}`,
      `  raw 500-row INSERTs of everything a new lead writes: ${Math.round(result.rawFullWriteLeadsPerSecond)} leads/s -> ratio ${result.ratioToRawFullWrite.toFixed(2)}`,
    ].join('\n') + '\n',
  );
}
