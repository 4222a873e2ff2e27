import type { Queue } from 'bullmq';
import { DeliveryStatus, type DatabaseClient } from '@leadrelay/db';

export interface SystemStats {
  /** By queue name: whether it is paused, and its jobs per BullMQ state (waiting, active, delayed, failed, ...). */
  queues: Record<string, { paused: boolean; jobs: Record<string, number> }>;
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
    const entries = await Promise.all(
      this.queues().map(async (queue) => {
        const [paused, jobs] = await Promise.all([queue.isPaused(), queue.getJobCounts()]);
        return [queue.name, { paused, jobs }] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async #deliveryCounts(): Promise<SystemStats['deliveries']> {
    const counts = Object.fromEntries(Object.values(DeliveryStatus).map((status) => [status, 0])) as SystemStats['deliveries'];
    const groups = await this.db.delivery.groupBy({ by: ['status'], _count: { _all: true } });
    for (const group of groups) counts[group.status] = group._count._all;
    return counts;
  }
}
