import { Gauge } from 'prom-client';
import { metricsRegistry } from './registry.ts';

/** What Redis memory is read from: an ioredis client fits. */
export interface RedisMemorySource {
  info(section: 'memory'): Promise<string>;
}

let memorySource: RedisMemorySource | undefined;
/** A scrape must answer even when Redis does not: the samples are left out after this long. */
const memoryReadTimeoutMs = 2_000;

let readingInFlight: Promise<Map<string, number> | null> | undefined;

/** One `INFO memory` per scrape, shared by the two gauges below (a scrape collects them together). */
function readRedisMemory(): Promise<Map<string, number> | null> {
  readingInFlight ??= (async () => {
    if (!memorySource) return null;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${memoryReadTimeoutMs} ms`)), memoryReadTimeoutMs);
    });
    try {
      return parseInfo(await Promise.race([memorySource.info('memory'), timeout]));
    } catch {
      // 0 rather than a stale figure (prom-client reports an unlabelled gauge it has no value for as 0):
      // with maxmemory 0 the near-the-limit alert stays quiet, and an unreachable Redis has alerts of its own.
      return null;
    } finally {
      clearTimeout(timer);
    }
  })().finally(() => {
    readingInFlight = undefined;
  });
  return readingInFlight;
}

function parseInfo(info: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of info.split(/\r?\n/)) {
    const separator = line.indexOf(':');
    if (separator <= 0) continue;
    const value = Number(line.slice(separator + 1));
    if (Number.isFinite(value)) fields.set(line.slice(0, separator), value);
  }
  return fields;
}

function redisMemoryGauge(name: string, help: string, field: string): Gauge {
  return new Gauge({
    name,
    help,
    registers: [metricsRegistry],
    async collect() {
      const fields = await readRedisMemory();
      this.reset();
      const value = fields?.get(field);
      if (value !== undefined) this.set(value);
    },
  });
}

const gaugeDefinitions = [
  { name: 'leadrelay_redis_used_memory_bytes', help: "Memory Redis uses (INFO memory's used_memory), read at scrape time; 0 when Redis did not answer", field: 'used_memory' },
  {
    name: 'leadrelay_redis_maxmemory_bytes',
    help: "Redis's memory limit (INFO memory's maxmemory; 0 when none is set), read at scrape time; 0 when Redis did not answer",
    field: 'maxmemory',
  },
] as const;

/**
 * Reports Redis's memory use and limit on every scrape (one process per deployment is enough, the
 * admin service does it). The gauges exist only while a process reports them, so the other apps'
 * /metrics carry no Redis figure at all rather than a 0 that looks like one. Returns a function
 * that stops reporting them.
 */
export function reportRedisMemory(source: RedisMemorySource): () => void {
  memorySource = source;
  for (const { name, help, field } of gaugeDefinitions) {
    if (!metricsRegistry.getSingleMetric(name)) redisMemoryGauge(name, help, field);
  }
  return () => {
    if (memorySource !== source) return;
    memorySource = undefined;
    for (const { name } of gaugeDefinitions) metricsRegistry.removeSingleMetric(name);
  };
}
