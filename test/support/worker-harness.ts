import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import type { NormalizedActivity, NormalizedLead } from '@leadrelay/lead';
import type { RunningService } from '@leadrelay/lifecycle';
import { QueueRegistry, createRedisConnection, jobCatalog, jobIdFor, queueNames, type AppendActivitiesPayload, type PersistLeadPayload, type RedisConnection } from '@leadrelay/queue';
import { WorkerEnvSchema } from '../../apps/worker/src/env.ts';
import { startWorkerService } from '../../apps/worker/src/worker-service.ts';
import { AppProcess } from './app-process.ts';
import { freePort } from './free-port.ts';
import type { PrivateRedisCluster } from './private-redis-cluster.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { insertTestPartner, type TestPartner } from './test-partner.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from './test-redis.ts';
import { waitFor } from './wait-for.ts';

// bullmq is the apps' dependency, not the tests': its types are reached through the registry.
type Queue = ReturnType<QueueRegistry['queue']>;
type JobsOptions = NonNullable<Parameters<Queue['add']>[2]>;

export interface WorkerHarnessOptions {
  /** Database to use instead of a copy of the test template (e.g. on a PostgreSQL the test runs itself). */
  databaseUrl?: string;
  /** Environment of every worker started, on top of the test defaults. */
  env?: Record<string, string>;
  /** A Redis Cluster of the test's own to run on instead of the shared Redis; started before setUp. */
  cluster?: PrivateRedisCluster;
}

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/**
 * The worker on the real Redis and PostgreSQL, fed directly with leads-queue jobs as intake
 * would enqueue them: in this process (`startWorker`) or as a real process (`startWorkerProcess`).
 */
export class WorkerHarness {
  readonly queuePrefix = createQueuePrefix();
  #redis: RedisConnection | undefined;
  #queues: QueueRegistry | undefined;
  readonly #services: RunningService[] = [];
  readonly #processes: AppProcess[] = [];
  #database: TestDatabase | undefined;
  #databaseUrl = '';
  #sql: pg.Client | undefined;
  #partner: TestPartner | undefined;

  constructor(private readonly options: WorkerHarnessOptions = {}) {}

  /** Creates the database (unless one was given) and a canonical partner. */
  async setUp(): Promise<this> {
    const cluster = this.options.cluster;
    this.#redis = createRedisConnection(
      cluster ? { kind: 'cluster', url: testRedisUrl, nodes: cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })) } : testRedisUrl,
      { role: 'worker' },
    );
    this.#queues = new QueueRegistry({ connection: this.#redis, prefix: this.queuePrefix });
    if (this.options.databaseUrl) {
      this.#databaseUrl = this.options.databaseUrl;
    } else {
      this.#database = await createTestDatabase();
      this.#databaseUrl = this.#database.url;
    }
    this.#sql = new pg.Client({ connectionString: this.#databaseUrl });
    this.#sql.on('error', () => {});
    await this.#sql.connect();
    this.#partner = await insertTestPartner(this.#databaseUrl, { slug: 'acme', profile: 'canonical', name: 'Acme Leads' });
    return this;
  }

  /** The harness's own connection to the Redis (or cluster) the worker uses. */
  get redis(): RedisConnection {
    if (!this.#redis) throw new Error('setUp() first');
    return this.#redis;
  }

  get leads(): Queue {
    if (!this.#queues) throw new Error('setUp() first');
    return this.#queues.queue(queueNames.leads);
  }

  get events(): Queue {
    if (!this.#queues) throw new Error('setUp() first');
    return this.#queues.queue(queueNames.events);
  }

  get databaseUrl(): string {
    return this.#databaseUrl;
  }

  get partner(): TestPartner {
    if (!this.#partner) throw new Error('setUp() first');
    return this.#partner;
  }

  /** Runs one query on the test database. */
  async query<Row extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
    if (!this.#sql) throw new Error('setUp() first');
    return (await this.#sql.query<Row>(text, values)).rows;
  }

  /** Reconnects the assertion client (after the test's own PostgreSQL restarted). */
  async reconnect(): Promise<void> {
    await this.#sql?.end().catch(() => undefined);
    this.#sql = new pg.Client({ connectionString: this.#databaseUrl });
    this.#sql.on('error', () => {});
    await this.#sql.connect();
  }

  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: this.#databaseUrl,
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: this.queuePrefix,
      ...(this.options.cluster ? { REDIS_CLUSTER_NODES: this.options.cluster.nodesEnv } : {}),
      WORKER_HEALTH_PORT: '0',
      ...this.options.env,
      ...extra,
    };
  }

  /** The worker service in this process. */
  async startWorker(extra: Record<string, string> = {}): Promise<RunningService> {
    const service = await startWorkerService(WorkerEnvSchema.parse(this.workerEnv(extra)), pino({ level: 'silent' }));
    this.#services.push(service);
    return service;
  }

  /** The worker as a real process, as `pnpm --filter @leadrelay/worker start` runs it. */
  async startWorkerProcess(extra: Record<string, string> = {}): Promise<AppProcess> {
    const port = await freePort();
    const worker = new AppProcess('worker', { ...this.workerEnv(extra), WORKER_HEALTH_PORT: String(port) }, port);
    this.#processes.push(worker);
    await worker.start();
    return worker;
  }

  /** A persist-lead payload as intake makes it for a new lead (override anything). */
  leadPayload(lead: NormalizedLead, overrides: Partial<PersistLeadPayload> = {}): PersistLeadPayload {
    const submissionId = overrides.submissionId ?? randomUUID();
    return {
      submissionId,
      partnerId: this.partner.id,
      route: 'POST /v1/leads',
      receivedAt: new Date().toISOString(),
      requestId: `req-${submissionId.slice(0, 8)}`,
      raw: { ...lead },
      leadId: randomUUID(),
      decision: 'created',
      lead,
      ...overrides,
    };
  }

  activitiesPayload(leadId: string, activities: NormalizedActivity[], overrides: Partial<AppendActivitiesPayload> = {}): AppendActivitiesPayload {
    const submissionId = overrides.submissionId ?? randomUUID();
    return {
      submissionId,
      partnerId: this.partner.id,
      route: 'POST /v1/leads/:leadId/activities',
      receivedAt: new Date().toISOString(),
      requestId: `req-${submissionId.slice(0, 8)}`,
      raw: { activities },
      leadId,
      activities,
      ...overrides,
    };
  }

  /** Enqueues persist-lead jobs as intake does (job id from the submission id unless given). */
  async enqueueLeads(payloads: PersistLeadPayload[], options: { jobId?: (payload: PersistLeadPayload) => string } = {}): Promise<void> {
    await this.leads.addBulk(
      payloads.map((payload) => ({
        name: jobCatalog.persistLead.name,
        data: payload,
        opts: { ...jobCatalog.persistLead.options, jobId: options.jobId?.(payload) ?? jobIdFor('submission', payload.submissionId) },
      })),
    );
  }

  /** Enqueues one persist-leads job holding every payload, as intake does under load; returns its job id. */
  async enqueueLeadGroup(payloads: PersistLeadPayload[], jobId = jobIdFor('submissionGroup', payloads[0]!.submissionId)): Promise<string> {
    await this.leads.add(jobCatalog.persistLeads.name, { submissions: payloads }, { ...jobCatalog.persistLeads.options, jobId });
    return jobId;
  }

  async enqueueActivities(payloads: AppendActivitiesPayload[]): Promise<void> {
    await this.leads.addBulk(
      payloads.map((payload) => ({
        name: jobCatalog.appendActivities.name,
        data: payload,
        opts: { ...jobCatalog.appendActivities.options, jobId: jobIdFor('submission', payload.submissionId) },
      })),
    );
  }

  /** Enqueues any job on the leads queue, bypassing validation (for invalid payloads). */
  async enqueueRaw(name: string, data: unknown, options: JobsOptions = {}): Promise<string> {
    const job = await this.leads.add(name, data, { ...jobCatalog.persistLead.options, ...options });
    return job.id!;
  }

  async jobCounts(): Promise<JobCounts> {
    const counts = await this.leads.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  /** Waits until `count` leads jobs have completed and none is waiting, active or delayed. */
  async waitForCompleted(count: number, timeoutMs = 60_000): Promise<JobCounts> {
    return waitFor(
      async () => {
        const counts = await this.jobCounts();
        return counts.completed >= count && counts.waiting + counts.active + counts.delayed === 0 ? counts : undefined;
      },
      { timeoutMs, intervalMs: 100, description: `${count} leads jobs completed` },
    );
  }

  /** Fan-out job ids in the events queue, whatever their state. */
  async fanOutJobIds(): Promise<string[]> {
    const jobs = await this.events.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
    return jobs.map((job) => job.id!).sort();
  }

  async close(): Promise<void> {
    for (const service of this.#services.splice(0)) await service.stop();
    for (const process of this.#processes.splice(0)) await process.stop('SIGKILL');
    await this.#queues?.close();
    this.#redis?.disconnect();
    await this.#sql?.end().catch(() => undefined);
    await this.#database?.drop();
    await deleteRedisKeys(this.queuePrefix);
  }
}
