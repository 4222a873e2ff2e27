import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { PrivateRedis } from './private-redis.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

/** Redis Cluster's bus listens this far above each node's port. */
const clusterBusPortOffset = 10_000;

export interface PrivateRedisClusterOptions {
  /** Extra redis-server options for every node. */
  args?: string[];
  /** Replicas each primary gets (`redis-cli --cluster create --cluster-replicas`); none by default. */
  replicasPerPrimary?: number;
}

/**
 * A Redis Cluster of the test's own: `primaries` redis-server processes (PrivateRedis: spare
 * loopback ports, each its own temporary directory) with cluster mode on, joined by the
 * machine's `redis-cli --cluster create`, with `replicasPerPrimary` replicas each (none by
 * default). Stopped by pid like PrivateRedis; the machine's Redis is never touched.
 */
export class PrivateRedisCluster {
  readonly nodes: PrivateRedis[] = [];
  readonly #args: string[];
  readonly #replicasPerPrimary: number;

  constructor(
    private readonly primaries = 3,
    { args = [], replicasPerPrimary = 0 }: PrivateRedisClusterOptions = {},
  ) {
    this.#args = args;
    this.#replicasPerPrimary = replicasPerPrimary;
  }

  /** REDIS_CLUSTER_NODES for the apps. */
  get nodesEnv(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** The running nodes replicating the primary on `primaryPort`, as they say now. */
  async replicasOf(primaryPort: number): Promise<PrivateRedis[]> {
    const replicas: PrivateRedis[] = [];
    for (const node of this.nodes.filter((candidate) => candidate.running)) {
      const info = await withProbe(node, (probe) => probe.info('replication'));
      if (/^role:slave\r?$/m.test(info) && new RegExp(`^master_port:${primaryPort}\\r?$`, 'm').test(info)) replicas.push(node);
    }
    return replicas;
  }

  /** Replicas connected to the primary on `primaryPort`, as it counts them (INFO replication). */
  async connectedReplicaCount(primaryPort: number): Promise<number> {
    const primary = this.nodes.find((node) => node.port === primaryPort);
    if (!primary) throw new Error(`no node of this cluster listens on ${primaryPort}`);
    const info = await withProbe(primary, (probe) => probe.info('replication'));
    return Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
  }

  async start({ timeoutMs = 60_000 } = {}): Promise<void> {
    for (let index = 0; index < this.primaries * (1 + this.#replicasPerPrimary); index += 1) {
      const port = await freeClusterPort();
      const node = new PrivateRedis([
        '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', '5000',
        ...this.#args,
      ]);
      this.nodes.push(node);
      await node.start({ timeoutMs, port });
    }
    await runRedisCli(['--cluster', 'create', ...this.nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(this.#replicasPerPrimary), '--cluster-yes']);
    await waitFor(
      async () => {
        for (const node of this.nodes) {
          const probe = new Redis(node.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          probe.on('error', () => {});
          try {
            await probe.connect();
            const info = await probe.cluster('INFO');
            if (!/cluster_state:ok/.test(info) || !/cluster_slots_assigned:16384/.test(info)) return false;
          } finally {
            probe.disconnect();
          }
        }
        return true;
      },
      { timeoutMs, intervalMs: 100, description: 'the private Redis Cluster to report cluster_state:ok' },
    );
    if (this.#replicasPerPrimary === 0) return;
    await waitFor(
      async () => {
        for (const node of this.nodes) {
          const info = await withProbe(node, (probe) => probe.info('replication'));
          if (/^role:master\r?$/m.test(info) && (info.match(/^slave\d+:.*state=online/gm) ?? []).length < this.#replicasPerPrimary) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 100, description: 'every primary of the private Redis Cluster to have its replicas online' },
    );
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }
}

async function withProbe<T>(node: PrivateRedis, use: (probe: Redis) => Promise<T>): Promise<T> {
  const probe = new Redis(node.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return await use(probe);
  } finally {
    probe.disconnect();
  }
}

/** A port whose cluster bus port (10,000 above) is free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + clusterBusPortOffset <= 65_535 && (await isFree(port + clusterBusPortOffset))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function runRedisCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli ${args.join(' ')} exited with ${code}:\n${output.join('')}`))));
  });
}
