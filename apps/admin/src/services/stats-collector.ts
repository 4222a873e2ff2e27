import type { Queue } from 'bullmq';
import { DeliveryStatus, type DatabaseClient } from '@leadrelay/db';

export interface SystemStats {
  /** Queue name -> BullMQ job state (waiting, active, delayed, failed, ...) -> jobs. */
  queues: Record<string, Record<string, number>>;
  /** Every delivery status, zero included, so dashboards and scripts see a fixed shape. */
  deliveries: Record<DeliveryStatus, number>;
  generatedAt: string;
}

/** Counts for operators: what is waiting in Redis, and how deliveries stand in PostgreSQL. */
export class StatsCollector {
  constructor(
    private readonly db: DatabaseClient,
    private readonly queues: () => Queue[],
  ) {}

  async collect(): Promise<SystemStats> {
    const [queues, deliveries] = await Promise.all([this.#queueCounts(), this.#deliveryCounts()]);
    return { queues, deliveries, generatedAt: new Date().toISOString() };
  }

  async #queueCounts(): Promise<SystemStats['queues']> {
    const entries = await Promise.all(this.queues().map(async (queue) => [queue.name, await queue.getJobCounts()] as const));
    return Object.fromEntries(entries);
  }

  async #deliveryCounts(): Promise<SystemStats['deliveries']> {
    const counts = Object.fromEntries(Object.values(DeliveryStatus).map((status) => [status, 0])) as SystemStats['deliveries'];
    const groups = await this.db.delivery.groupBy({ by: ['status'], _count: { _all: true } });
    for (const group of groups) counts[group.status] = group._count._all;
    return counts;
  }
}
