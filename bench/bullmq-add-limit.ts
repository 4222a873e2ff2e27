import { randomUUID } from 'node:crypto';
import type { RedisTarget } from '@leadrelay/config';
import { QueueRegistry, createRedisConnection, jobCatalog, jobIdFor, queueNames } from '@leadrelay/queue';
import type { LeadFactory } from './lead-factory.ts';
import { deleteBenchRedisKeys } from './bench-redis.ts';

export interface BullmqAddLimitOptions {
  /** The bench's Redis (benchRedisTarget). */
  redis: RedisTarget;
  /** A key prefix no worker consumes; every key under it is deleted afterwards. */
  scratchPrefix: string;
  leads: LeadFactory;
  /** How long each of `add` and `addBulk` is measured. */
  durationSeconds: number;
  /** `add` calls in flight at once, like intake serving that many requests. */
  addsInFlight: number;
  /** Jobs per `addBulk`, as in a 500-lead request. */
  bulkSize: number;
  /** `addBulk` calls in flight at once. */
  bulksInFlight: number;
}

export interface BullmqAddLimit {
  addJobsPerSecond: number;
  addBulkJobsPerSecond: number;
}

/** Stops a measuring loop even if Redis is so fast the time bound is never checked in time. */
const maxJobsPerMeasurement = 2_000_000;

/**
 * What BullMQ alone takes on this Redis: intake's own job (a persist-lead payload of the
 * bench's lead, intake's job options) added straight through `Queue.add` / `Queue.addBulk`,
 * with no claim, no validation and no HTTP around it.
 */
export async function measureBullmqAddLimit(options: BullmqAddLimitOptions): Promise<BullmqAddLimit> {
  // The same connection role intake enqueues through.
  const connection = createRedisConnection(options.redis, { role: 'producer', connectionName: 'bench-bullmq-limit' });
  const registry = new QueueRegistry({ connection, prefix: options.scratchPrefix });
  const queue = registry.queue(queueNames.leads);
  const partnerId = randomUUID();
  const job = () => {
    const submissionId = randomUUID();
    const lead = options.leads.nextLead();
    return {
      name: jobCatalog.persistLead.name,
      data: {
        submissionId,
        partnerId,
        route: 'POST /v1/leads',
        receivedAt: new Date().toISOString(),
        requestId: 'bench',
        raw: lead,
        leadId: randomUUID(),
        decision: 'created',
        lead,
      },
      opts: { ...jobCatalog.persistLead.options, jobId: jobIdFor('submission', submissionId) },
    };
  };
  try {
    await queue.waitUntilReady();
    const addJobsPerSecond = await jobsPerSecond(options.durationSeconds, options.addsInFlight, 1, async () => {
      const { name, data, opts } = job();
      await queue.add(name, data, opts);
    });
    const addBulkJobsPerSecond = await jobsPerSecond(options.durationSeconds, options.bulksInFlight, options.bulkSize, async () => {
      await queue.addBulk(Array.from({ length: options.bulkSize }, job));
    });
    return { addJobsPerSecond, addBulkJobsPerSecond };
  } finally {
    await registry.close();
    connection.disconnect();
    // Jobs nobody will consume: gone at once, not left in the shared Redis until the run ends.
    await deleteBenchRedisKeys(options.scratchPrefix);
  }
}

/** Runs `inFlight` loops of `call` (each adding `jobsPerCall` jobs) for `durationSeconds`. */
async function jobsPerSecond(
  durationSeconds: number,
  inFlight: number,
  jobsPerCall: number,
  call: () => Promise<void>,
): Promise<number> {
  const startedMs = performance.now();
  const deadlineMs = startedMs + durationSeconds * 1000;
  let jobCount = 0;
  const loop = async () => {
    while (performance.now() < deadlineMs && jobCount < maxJobsPerMeasurement) {
      await call();
      jobCount += jobsPerCall;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  return jobCount / ((performance.now() - startedMs) / 1000);
}
