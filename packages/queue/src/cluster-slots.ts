import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { isCluster, type RedisConnection } from './redis-connection.ts';

/** Redis Cluster's slot count: a key's slot is CRC16 of its hash tag (or whole name) modulo it. */
export const clusterSlotCount = 16_384;

// CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with.
const crc16Table = new Uint16Array(256);
for (let byte = 0; byte < 256; byte += 1) {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  crc16Table[byte] = crc;
}

/**
 * The cluster slot of a key, as `CLUSTER KEYSLOT` computes it: only the part between the first
 * `{` and the next `}` counts when that part is not empty (the key's hash tag).
 */
export function slotOfKey(key: string): number {
  let hashed = key;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(hashed)) crc = ((crc << 8) & 0xffff) ^ crc16Table[((crc >> 8) ^ byte) & 0xff]!;
  return crc % clusterSlotCount;
}

/**
 * The items in groups whose keys share a slot, so each group can be one script call (a script
 * may only touch keys of one slot on a cluster). On a single Redis every item is in one group,
 * in the order given; on a cluster groups come in ascending slot order, items in given order.
 */
export function groupBySlot<T>(redis: RedisConnection, items: readonly T[], keyOf: (item: T) => string): T[][] {
  if (!isCluster(redis)) return items.length === 0 ? [] : [[...items]];
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const slot = slotOfKey(keyOf(item));
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = []));
    group.push(item);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

/**
 * Sends `count` single-key commands (`add(pipeline, index)` adds the index-th, whose key is
 * `keyOf(index)`) in one pipeline on a single Redis, and in one pipeline per node on a cluster
 * (ioredis refuses a pipeline whose keys live on different nodes). Answers come back in index order.
 */
export async function execPipelined(
  redis: RedisConnection,
  count: number,
  keyOf: (index: number) => string,
  add: (pipeline: ChainableCommander, index: number) => void,
): Promise<[Error | null, unknown][]> {
  const groups = new Map<string, number[]>();
  for (let index = 0; index < count; index += 1) {
    let group = '';
    if (isCluster(redis)) {
      const slot = slotOfKey(keyOf(index));
      // Slots served by the same nodes share a pipeline; before the slot table is known, one per slot.
      group = redis.slots[slot]?.join(',') ?? `slot ${slot}`;
    }
    let indices = groups.get(group);
    if (!indices) groups.set(group, (indices = []));
    indices.push(index);
  }
  const results: [Error | null, unknown][] = Array.from({ length: count });
  await Promise.all(
    [...groups.values()].map(async (indices) => {
      const pipeline = redis.pipeline();
      for (const index of indices) add(pipeline, index);
      const answers = (await pipeline.exec()) ?? [];
      indices.forEach((index, position) => {
        results[index] = answers[position] ?? [new Error('the Redis pipeline returned no answer'), null];
      });
    }),
  );
  return results;
}

/**
 * The connection a cluster sends a key's commands through: ioredis keeps one connection per node
 * and routes a command to the first node its slot table names for the key's slot (the primary).
 * Commands that depend on what this connection wrote before (WAIT) must go there. Undefined while
 * the slot table does not name a node for the slot.
 */
export function primaryConnectionOfKey(cluster: Cluster, key: string): Redis | undefined {
  const nodeKey = cluster.slots[slotOfKey(key)]?.[0];
  if (nodeKey === undefined) return undefined;
  return cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === nodeKey);
}

/**
 * BullMQ's key prefix for QUEUE_PREFIX. On a cluster BullMQ's scripts touch many keys of a queue
 * at once, so its guide asks for a hash-tagged prefix (`{leadrelay}`), putting every queue in one
 * slot; a single Redis keeps the plain prefix, so the queues of a deployment that ran before
 * keep their keys.
 */
export function bullmqPrefixOf(queuePrefix: string, redis: RedisConnection): string {
  return isCluster(redis) ? `{${queuePrefix}}` : queuePrefix;
}

/**
 * A part of a key that must share a slot with its siblings (a destination's leases and parked
 * jobs): hash-tagged on a cluster, left as it is on a single Redis so existing keys keep their names.
 */
export function slotTagOf(part: string, redis: RedisConnection): string {
  return isCluster(redis) ? `{${part}}` : part;
}
