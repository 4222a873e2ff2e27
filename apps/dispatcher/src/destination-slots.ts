import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MicroBatcher } from './micro-batcher.ts';

export interface DestinationSlotsOptions {
  redis: Redis;
  /** QUEUE_PREFIX: keys live beside the queues, so one Redis can serve several systems. */
  prefix: string;
}

/** A slot held for one request to one destination. */
export interface SlotLease {
  destinationId: string;
  token: string;
}

// Redis' clock, not the callers': leases taken by dispatchers on different machines must agree on
// when they expire.
const nowMsLua = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Pops as many parked jobs as there are free slots; their ids come back to be promoted.
const popParkedLua = `
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
if free <= 0 then return {} end
local ids = redis.call('ZRANGE', KEYS[2], 0, free - 1)
if #ids > 0 then redis.call('ZREM', KEYS[2], unpack(ids)) end
return ids`;

// KEYS: leases, ARGV: token, max, leaseMs. Leases are scored by expiry: a dispatcher that dies
// holding one gives it back when it expires.
const acquireLua = `${nowMsLua}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

// KEYS: leases, parked; ARGV: token, max.
const releaseLua = `${nowMsLua}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
${popParkedLua}`;

// KEYS: leases, parked; ARGV: jobId, max, parkTtlMs. A slot may have come free since the caller was
// refused one; then this job (or an older parked one) is handed back at once.
const parkLua = `${nowMsLua}
redis.call('ZADD', KEYS[2], 'NX', now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
${popParkedLua}`;

// KEYS: leases.
const inFlightLua = `${nowMsLua}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`;

interface LuaScript {
  source: string;
  sha: string;
}

interface ScriptCall {
  script: LuaScript;
  keys: string[];
  args: (string | number)[];
}

type CallOutcome = { value: unknown; error?: undefined } | { error: Error };

function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const acquireScript = luaScript(acquireLua);
const releaseScript = luaScript(releaseLua);
const parkScript = luaScript(parkLua);
const inFlightScript = luaScript(inFlightLua);

/**
 * Per-destination concurrency shared by every dispatcher process: a counting semaphore in Redis
 * (a sorted set of leases that expire), plus a FIFO of jobs parked while it is full. A job refused
 * a slot is moved to BullMQ's delayed set, so it holds no worker, and parked here; whoever frees
 * a slot promotes the oldest parked job. The delay is only a safety net for a lost promotion.
 */
export class DestinationSlots {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #calls: MicroBatcher<ScriptCall, CallOutcome>;

  constructor({ redis, prefix }: DestinationSlotsOptions) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#calls = new MicroBatcher({ run: (calls) => this.#runMany(calls), maxBatchSize: 500, maxConcurrentBatches: 2 });
  }

  /** A slot, or null when `maxConcurrency` requests to the destination are in flight. */
  async acquire(destinationId: string, maxConcurrency: number, leaseMs: number): Promise<SlotLease | null> {
    const token = randomUUID();
    const acquired = await this.#run(acquireScript, [this.#leasesKey(destinationId)], [token, maxConcurrency, Math.ceil(leaseMs)]);
    return acquired === 1 ? { destinationId, token } : null;
  }

  /** Gives the slot back; returns the parked jobs that may run now. */
  async release({ destinationId, token }: SlotLease, maxConcurrency: number): Promise<string[]> {
    const keys = [this.#leasesKey(destinationId), this.#parkedKey(destinationId)];
    return (await this.#run(releaseScript, keys, [token, maxConcurrency])) as string[];
  }

  /** Parks a job that was refused a slot and has been delayed; returns parked jobs that may run now. */
  async park(destinationId: string, jobId: string, maxConcurrency: number, parkTtlMs: number): Promise<string[]> {
    const keys = [this.#leasesKey(destinationId), this.#parkedKey(destinationId)];
    return (await this.#run(parkScript, keys, [jobId, maxConcurrency, Math.ceil(parkTtlMs)])) as string[];
  }

  /** Requests in flight to a destination now, over all dispatchers. */
  async inFlight(destinationId: string): Promise<number> {
    return Number(await this.#run(inFlightScript, [this.#leasesKey(destinationId)], []));
  }

  /** One script call; the calls of many deliveries share one round trip (see MicroBatcher). */
  async #run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    const outcome = await this.#calls.submit({ script, keys, args });
    if (outcome.error) throw outcome.error;
    return outcome.value;
  }

  /** EVALSHA in one pipeline; calls answered NOSCRIPT (a new or restarted Redis) go again as EVAL. */
  async #runMany(calls: ScriptCall[]): Promise<CallOutcome[]> {
    const pipeline = this.#redis.pipeline();
    for (const { script, keys, args } of calls) pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
    const results = (await pipeline.exec()) ?? [];
    const outcomes = calls.map((_, index): CallOutcome => {
      const [error, value] = results[index] ?? [new Error('the Redis pipeline returned no answer'), null];
      return error ? { error } : { value };
    });
    const unknownScripts = outcomes.flatMap((outcome, index) => (outcome.error?.message.startsWith('NOSCRIPT') ? [index] : []));
    if (unknownScripts.length > 0) {
      const retry = this.#redis.pipeline();
      for (const index of unknownScripts) {
        const { script, keys, args } = calls[index]!;
        retry.eval(script.source, keys.length, ...keys, ...args);
      }
      const retried = (await retry.exec()) ?? [];
      unknownScripts.forEach((index, position) => {
        const [error, value] = retried[position] ?? [new Error('the Redis pipeline returned no answer'), null];
        outcomes[index] = error ? { error } : { value };
      });
    }
    return outcomes;
  }

  #leasesKey(destinationId: string) {
    return `${this.#prefix}:destination-slots:${destinationId}:leases`;
  }

  #parkedKey(destinationId: string) {
    return `${this.#prefix}:destination-slots:${destinationId}:parked`;
  }
}
