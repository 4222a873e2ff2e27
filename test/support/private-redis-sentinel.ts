import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.ts';
import { PrivateRedis } from './private-redis.ts';
import { waitFor } from './wait-for.ts';

/** The name the sentinels monitor the primary by (REDIS_SENTINEL_NAME). */
export const sentinelPrimaryName = 'mymaster';

/**
 * A Sentinel set of the test's own: a primary and two replicas (PrivateRedis, AOF on with an fsync
 * per write, so a killed process loses nothing it acknowledged; two, so that once one is promoted
 * the new primary still has a replica for REDIS_WAIT_REPLICAS=1) and three sentinels
 * (`redis-server <conf> --sentinel`, each with its config file in a temporary directory, since
 * sentinels rewrite it), quorum two, a primary counted down after one second. Every process is
 * stopped by its pid; the machine's Redis is never touched.
 */
export class PrivateRedisSentinelSet {
  readonly primary = new PrivateRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
  readonly replicas: PrivateRedis[] = [];
  readonly directory = mkdtempSync(join(tmpdir(), 'leadrelay-sentinel-'));
  readonly sentinelPorts: number[] = [];
  readonly #sentinels: ChildProcess[] = [];
  readonly output: string[] = [];

  /** REDIS_SENTINELS for the apps. */
  get sentinelsEnv(): string {
    return this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',');
  }

  async start({ timeoutMs = 30_000 } = {}): Promise<void> {
    await this.primary.start({ timeoutMs });
    for (let index = 0; index < 2; index += 1) {
      const replica = new PrivateRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--replicaof', '127.0.0.1', String(this.primary.port)]);
      this.replicas.push(replica);
      await replica.start({ timeoutMs });
      await waitFor(async () => /master_link_status:up/.test(await this.#info(replica.port, 'replication')), {
        timeoutMs,
        intervalMs: 50,
        description: `replica ${index + 1} in sync with the primary`,
      });
    }
    for (let index = 0; index < 3; index += 1) {
      const port = await freePort();
      const config = join(this.directory, `sentinel-${port}.conf`);
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.directory}`,
          `sentinel monitor ${sentinelPrimaryName} 127.0.0.1 ${this.primary.port} 2`,
          `sentinel down-after-milliseconds ${sentinelPrimaryName} 1000`,
          `sentinel failover-timeout ${sentinelPrimaryName} 5000`,
          `sentinel parallel-syncs ${sentinelPrimaryName} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [config, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
      this.#sentinels.push(child);
      this.sentinelPorts.push(port);
    }
    // Each sentinel has found both replicas and the other sentinels: a failover can be agreed on.
    await waitFor(
      async () => {
        for (const port of this.sentinelPorts) {
          const info = await this.#info(port, 'sentinel').catch(() => '');
          if (!/status=ok,address=[^,]+,slaves=2,sentinels=3/.test(info)) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 100, description: 'three sentinels watching the primary and its replica' },
    );
  }

  /** The port of the server the sentinels name as primary now. */
  async primaryPort(): Promise<number> {
    const sentinel = new Redis({ port: this.sentinelPorts[0]!, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    sentinel.on('error', () => {});
    try {
      await sentinel.connect();
      const [, port] = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', sentinelPrimaryName)) as [string, string];
      return Number(port);
    } finally {
      sentinel.disconnect();
    }
  }

  async #info(port: number, section: string): Promise<string> {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return await probe.info(section);
    } finally {
      probe.disconnect();
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(
      this.#sentinels.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            process.kill(child.pid!, 'SIGKILL');
          }),
      ),
    );
    await this.primary.destroy();
    await Promise.all(this.replicas.map((replica) => replica.destroy()));
    rmSync(this.directory, { recursive: true, force: true });
  }
}
