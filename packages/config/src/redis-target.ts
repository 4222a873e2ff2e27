import { z } from 'zod';
import { redactUrlPassword } from './redact-url.ts';

/** One Redis node (a cluster node or a sentinel) as `host:port`. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/**
 * Where a process finds Redis: one server (`REDIS_URL`), a Redis Cluster (`REDIS_CLUSTER_NODES`,
 * any of its nodes; the rest are discovered) or the primary a Sentinel set names
 * (`REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`). In the last two, `url` still carries the user,
 * password and `rediss://` TLS the nodes need.
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; url: string; nodes: RedisNodeAddress[] }
  | { kind: 'sentinel'; url: string; sentinels: RedisNodeAddress[]; name: string };

/** `host:port,host:port`, spaces around the entries ignored; IPv6 hosts in brackets (`[::1]:7000`). */
export const redisNodeListFromEnv = z.string().transform((text, ctx): RedisNodeAddress[] => {
  const nodes: RedisNodeAddress[] = [];
  for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part.length > 0)) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : Number.NaN;
    if (!match || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port` });
      return z.NEVER;
    }
    nodes.push({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port });
  }
  if (nodes.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'lists no host:port' });
    return z.NEVER;
  }
  return nodes;
});

/** The variables redisTargetOf reads, as the env schemas parse them (commonEnvShape). */
export interface RedisTargetEnv {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: RedisNodeAddress[] | undefined;
  REDIS_SENTINELS?: RedisNodeAddress[] | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
}

/** REDIS_CLUSTER_NODES wins over REDIS_SENTINELS, which wins over REDIS_URL alone. */
export function redisTargetOf(env: RedisTargetEnv): RedisTarget {
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', url: env.REDIS_URL, nodes: env.REDIS_CLUSTER_NODES };
  if (env.REDIS_SENTINELS) return { kind: 'sentinel', url: env.REDIS_URL, sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME ?? 'mymaster' };
  return { kind: 'single', url: env.REDIS_URL };
}

/** How a target is named in messages (passwords left out): a single Redis by its URL, as before. */
export function describeRedisTarget(target: RedisTarget): string {
  const list = (nodes: RedisNodeAddress[]) => nodes.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`).join(',');
  if (target.kind === 'cluster') return `the Redis Cluster at ${list(target.nodes)} (REDIS_CLUSTER_NODES)`;
  if (target.kind === 'sentinel') return `the primary "${target.name}" of the Sentinels at ${list(target.sentinels)} (REDIS_SENTINELS)`;
  return redactUrlPassword(target.url);
}
