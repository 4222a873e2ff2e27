import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import { bullmqPrefixOf, primaryConnectionOfKey } from './cluster-slots.ts';
import { isCluster, type RedisConnection } from './redis-connection.ts';
import { jobCatalog, queueNames, type JobKey, type JobPayload, type QueueName } from './job-catalog.ts';

export interface QueueRegistryOptions {
  connection: RedisConnection;
  /** Redis key prefix shared by every queue, from QUEUE_PREFIX (hash-tagged on a cluster: bullmqPrefixOf). */
  prefix: string;
  /** Told after each successful add, e.g. to record enqueue latency. */
  onEnqueued?: (queue: QueueName, durationMs: number, jobCount: number) => void;
  /**
   * After each add, wait until this many replicas have the write (Redis WAIT), or fail the add:
   * with asynchronous replication a job only the primary had is lost when a Sentinel promotes a
   * replica. Intake's REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT. On a cluster the WAIT goes to
   * the primary holding the queues' slot, whose replicas are what a cluster failover promotes.
   */
  waitForReplicas?: { replicas: number; timeoutMs: number };
  /** Told of a queue's connection errors; without it they would be printed by Node. */
  onQueueError?: (queue: QueueName, error: Error) => void;
}

/**
 * The queues a process produces to, created once and shared. A payload is checked against the
 * job catalog at compile time here, and at run time where it is read (`parseJobPayload`): every
 * producer builds its payloads from values it has already validated (a lead from
 * `normalizeCanonicalLead`, ids it made or read), so parsing them here too would only check the
 * same data twice on the hot path.
 */
export class QueueRegistry {
  readonly #queues = new Map<QueueName, Queue>();
  readonly #options: QueueRegistryOptions;

  /** The prefix BullMQ's keys get (bullmqPrefixOf): workers of these queues must use it too. */
  readonly bullmqPrefix: string;

  constructor(options: QueueRegistryOptions) {
    this.#options = options;
    this.bullmqPrefix = bullmqPrefixOf(options.prefix, options.connection);
  }

  queue(name: QueueName): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.#options.connection, prefix: this.bullmqPrefix });
      const onQueueError = this.#options.onQueueError;
      if (onQueueError) queue.on('error', (error) => onQueueError(name, error));
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** Every queue LeadRelay uses, e.g. for the dashboard and readiness. */
  all(): Queue[] {
    return Object.values(queueNames).map((name) => this.queue(name));
  }

  async enqueue<Key extends JobKey>(
    key: Key,
    payload: JobPayload<Key>,
    options: JobsOptions & { jobId: string },
  ): Promise<void> {
    const definition = jobCatalog[key];
    const started = performance.now();
    await this.queue(definition.queue).add(definition.name, payload, { ...definition.options, ...options });
    await this.#waitForReplicas();
    this.#options.onEnqueued?.(definition.queue, performance.now() - started, 1);
  }

  /** Adds many jobs of one kind in one round trip. */
  async enqueueBulk<Key extends JobKey>(
    key: Key,
    jobs: { payload: JobPayload<Key>; options: JobsOptions & { jobId: string } }[],
  ): Promise<void> {
    if (jobs.length === 0) return;
    const definition = jobCatalog[key];
    const queue = this.queue(definition.queue);
    if (jobs.length === 1) {
      // One job: `add` stores exactly what `addBulk` would, without building a pipeline (ioredis
      // copies every BullMQ script onto each one).
      const [job] = jobs as [(typeof jobs)[number]];
      const started = performance.now();
      await queue.add(definition.name, job.payload, { ...definition.options, ...job.options });
      await this.#waitForReplicas();
      this.#options.onEnqueued?.(definition.queue, performance.now() - started, 1);
      return;
    }
    const bulk = jobs.map((job) => ({
      name: definition.name,
      data: job.payload,
      opts: { ...definition.options, ...job.options },
    }));
    const started = performance.now();
    await queue.addBulk(bulk);
    await this.#waitForReplicas();
    this.#options.onEnqueued?.(definition.queue, performance.now() - started, jobs.length);
  }

  /**
   * WAIT covers every write this connection made before it: adds made at the same moment share
   * one. On a cluster that is the connection to the primary of the queues' slot (every queue
   * shares the hash-tagged prefix, so one slot): a WAIT sent anywhere else would see none of the
   * add's writes and answer at once.
   */
  async #waitForReplicas(): Promise<void> {
    const wanted = this.#options.waitForReplicas;
    if (!wanted || wanted.replicas === 0) return;
    const connection = this.#options.connection;
    const primary = isCluster(connection) ? primaryConnectionOfKey(connection, this.bullmqPrefix) : connection;
    if (!primary) throw new Error(`no Redis Cluster node is known for the slot of the queues' prefix ${this.bullmqPrefix} (REDIS_WAIT_REPLICAS)`);
    const confirmed = await primary.wait(wanted.replicas, wanted.timeoutMs);
    if (confirmed < wanted.replicas) {
      throw new Error(`the job reached ${confirmed} of ${wanted.replicas} Redis replicas within ${wanted.timeoutMs} ms (REDIS_WAIT_REPLICAS)`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    this.#queues.clear();
  }
}
