import { groupBySlot, type RedisConnection } from '@leadrelay/queue';
import { MicroBatcher } from '@leadrelay/group-commit';

export interface WindowCount {
  /** This request's number in its window: 1 for the first. */
  current: number;
  /** Milliseconds until the window ends and the count starts again. */
  ttl: number;
}

interface Increment {
  key: string;
  windowMs: number;
}

export interface RequestWindowCountersOptions {
  /** Increments in one script call at most. */
  maxIncrementsPerCall?: number;
  /** Script calls in flight at once; increments made meanwhile wait and go together in the next. */
  maxConcurrentCalls?: number;
}

// KEYS: the distinct counters; ARGV: per key, how many requests to add and the window in ms.
// A counter that the INCRBY created (or one left without an expiry) starts its window now.
const incrementCountersScript = `
local results = {}
for index, key in ipairs(KEYS) do
  local added = tonumber(ARGV[index * 2 - 1])
  local windowMs = tonumber(ARGV[index * 2])
  local current = redis.call('INCRBY', key, added)
  local ttl = redis.call('PTTL', key)
  if current == added or ttl < 0 then
    redis.call('PEXPIRE', key, windowMs)
    ttl = windowMs
  end
  results[index] = {current, ttl}
end
return results
`;

// An ioredis command, so it goes as EVALSHA rather than the script's text on every call.
const incrementCountersCommand = 'leadrelayIncrementRequestCounters';
type IncrementCounters = Record<
  typeof incrementCountersCommand,
  (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<[number, number][]>
>;

/**
 * Fixed-window request counters in Redis, shared by every intake instance, as @fastify/rate-limit's
 * own Redis store keeps them (INCR, window set on the first request). The difference: requests
 * counted at the same moment are gathered into one script call that adds each counter's share
 * with one INCRBY, instead of one round trip per request. Each request still gets its own exact
 * number (the n requests of a call get the n numbers the INCRBY moved past), so the limit holds
 * to the request, across instances too.
 */
export class RequestWindowCounters {
  readonly #redis: IncrementCounters;
  readonly #connection: RedisConnection;
  readonly #batches: MicroBatcher<Increment, WindowCount>;

  constructor(redis: RedisConnection, { maxIncrementsPerCall = 1_000, maxConcurrentCalls = 2 }: RequestWindowCountersOptions = {}) {
    redis.defineCommand(incrementCountersCommand, { lua: incrementCountersScript });
    this.#redis = redis as unknown as IncrementCounters;
    this.#connection = redis;
    this.#batches = new MicroBatcher({
      run: (increments) => this.#incrementTogether(increments),
      maxBatchWeight: maxIncrementsPerCall,
      maxConcurrentBatches: maxConcurrentCalls,
    });
  }

  /** Counts one request against `key`'s window (started now, `windowMs` long, if none is running). */
  increment(key: string, windowMs: number): Promise<WindowCount> {
    return this.#batches.submit({ key, windowMs });
  }

  async #incrementTogether(increments: Increment[]): Promise<WindowCount[]> {
    // Per key: how many this call adds; per increment: which of those it is (1-based).
    const counters = new Map<string, { added: number; windowMs: number; counted?: [number, number] }>();
    const positions = increments.map(({ key, windowMs }) => {
      let counter = counters.get(key);
      if (!counter) counters.set(key, (counter = { added: 0, windowMs }));
      counter.added += 1;
      return counter.added;
    });
    // One script call per slot on a cluster (a partner's counters may hash anywhere); one in all on a single Redis.
    await Promise.all(
      groupBySlot(this.#connection, [...counters.entries()], ([key]) => key).map(async (group) => {
        const args = group.flatMap(([, { added, windowMs }]) => [added, windowMs]);
        const replies = await this.#redis[incrementCountersCommand](group.length, ...group.map(([key]) => key), ...args);
        group.forEach(([, counter], index) => (counter.counted = replies[index]));
      }),
    );
    return increments.map(({ key }, index) => {
      const { added, counted } = counters.get(key)!;
      const [current, ttl] = counted!;
      return { current: current - added + positions[index]!, ttl };
    });
  }
}
