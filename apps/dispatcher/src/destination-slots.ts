import { createHash, randomUUID } from 'node:crypto';
import { execPipelined, slotTagOf, type RedisConnection } from '@leadrelay/queue';
import { MicroBatcher } from '@leadrelay/group-commit';

export interface DestinationSlotsOptions {
  redis: RedisConnection;
  /** QUEUE_PREFIX: keys live beside the queues, so one Redis can serve several systems. */
  prefix: string;
}

export interface SlotWaitOptions {
  /** How long to wait for a slot given back by this process before giving up. */
  waitMs: number;
  /** Waiters per destination at most; one more gives up at once. */
  maxWaiting: number;
  /**
   * A lease given back with at least this much time left passes straight to the waiter (no Redis
   * call at all): enough for one request, e.g. the destination's timeout and a margin.
   */
  handOverMinRemainingMs: number;
}

/** A slot held for one request to one destination. */
export interface SlotLease {
  destinationId: string;
  token: string;
  /** When Redis lets the lease go at the earliest, on this process' `performance.now()` clock. */
  expiresAtMs: number;
}

/** A caller of acquireWithin waiting for a slot; handed a lease, or told to try again (null). */
interface SlotWaiter {
  wake(lease: SlotLease | null): void;
  /** A lease handed over must have at least this much left. */
  minRemainingMs: number;
}

// Redis' clock, not the callers': leases taken by dispatchers on different machines must agree on
// when they expire.
const nowMsLua = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Pops as many parked jobs as there are free slots (`max` is a Lua expression); their ids come back to be promoted.
const popParkedLua = (max: string) => `
local free = tonumber(${max}) - redis.call('ZCARD', KEYS[1])
if free <= 0 then return {} end
local ids = redis.call('ZRANGE', KEYS[2], 0, free - 1)
if #ids > 0 then redis.call('ZREM', KEYS[2], unpack(ids)) end
return ids`;

// KEYS: leases, ARGV: max, leaseMs, token... Leases are scored by expiry: a dispatcher that dies
// holding one gives it back when it expires. Grants the first tokens while slots are free; returns
// how many.
const acquireLua = `${nowMsLua}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local granted = math.min(math.max(tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1]), 0), #ARGV - 2)
if granted == 0 then return 0 end
local expiry = now + tonumber(ARGV[2])
local members = {}
for i = 1, granted do
  members[#members + 1] = expiry
  members[#members + 1] = ARGV[i + 2]
end
redis.call('ZADD', KEYS[1], unpack(members))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return granted`;

// KEYS: leases, parked; ARGV: max, token...
const releaseLua = `${nowMsLua}
redis.call('ZREM', KEYS[1], unpack(ARGV, 2))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
${popParkedLua('ARGV[1]')}`;

// KEYS: leases, parked; ARGV: jobId, max, parkTtlMs. A slot may have come free since the caller was
// refused one; then this job (or an older parked one) is handed back at once.
const parkLua = `${nowMsLua}
redis.call('ZADD', KEYS[2], 'NX', now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
${popParkedLua('ARGV[2]')}`;

// KEYS: leases.
const inFlightLua = `${nowMsLua}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`;

interface LuaScript {
  source: string;
  sha: string;
}

/** One call for the shared round trip. Acquires and releases of one destination are merged into one script call. */
type SlotCall =
  | { kind: 'acquire'; destinationId: string; maxConcurrency: number; leaseMs: number; token: string }
  | { kind: 'release'; destinationId: string; maxConcurrency: number; token: string }
  | { kind: 'script'; script: LuaScript; keys: string[]; args: (string | number)[] };

/** A script call of the round trip and the slot calls it answers, in the order they were made. */
interface MergedCall {
  script: LuaScript;
  keys: string[];
  args: (string | number)[];
  calls: number[];
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
 * The calls of the deliveries in flight share one round trip, and those that take or give back
 * slots of the same destination share one script call: a Redis command per delivery and call would
 * cost more than the rest of the round trip.
 */
export class DestinationSlots {
  readonly #redis: RedisConnection;
  readonly #prefix: string;
  readonly #calls: MicroBatcher<SlotCall, CallOutcome>;
  /** Per destination, the callers of acquireWithin waiting for a slot this process gives back, oldest first. */
  readonly #waiters = new Map<string, SlotWaiter[]>();

  constructor({ redis, prefix }: DestinationSlotsOptions) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#calls = new MicroBatcher({ run: (calls) => this.#runMany(calls), maxBatchWeight: 500, maxConcurrentBatches: 2 });
  }

  /** A slot, or null when `maxConcurrency` requests to the destination are in flight. */
  async acquire(destinationId: string, maxConcurrency: number, leaseMs: number): Promise<SlotLease | null> {
    const token = randomUUID();
    // Counted from before the call: Redis starts the lease later, so this errs on the early side.
    const expiresAtMs = performance.now() + Math.ceil(leaseMs);
    const acquired = await this.#run({ kind: 'acquire', destinationId, maxConcurrency, leaseMs: Math.ceil(leaseMs), token });
    return acquired === 1 ? { destinationId, token, expiresAtMs } : null;
  }

  /**
   * A slot, waiting up to `waitMs` for one when the destination is full: each slot this process
   * gives back to the destination wakes its longest waiter, which tries again. Slots other
   * processes give back wake no one here; a waiter that is not woken in time, or that would make
   * more than `maxWaiting` waiters, gets null (and the caller parks a job instead).
   *
   * Waiting here costs one Redis call per wake-up, where a parked job costs several BullMQ
   * scripts and is easily overtaken by a newcomer; under a steady stream to one busy destination
   * this keeps its deliveries moving at the pace its slots free up.
   */
  async acquireWithin(destinationId: string, maxConcurrency: number, leaseMs: number, wait: SlotWaitOptions): Promise<SlotLease | null> {
    const deadline = performance.now() + wait.waitMs;
    for (;;) {
      const lease = await this.acquire(destinationId, maxConcurrency, leaseMs);
      if (lease) return lease;
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) return null;
      const woken = await this.#waitForLocalRelease(destinationId, remainingMs, wait);
      if (woken === 'timed-out') return null;
      if (woken !== 'try-again') return woken;
    }
  }

  /**
   * Gives the slot back; returns the parked jobs that may run now. While callers of acquireWithin
   * wait for this destination, a lease with time enough left goes straight to the longest waiter
   * instead (and no parked job is due: the slot stays taken).
   */
  async release(lease: SlotLease, maxConcurrency: number): Promise<string[]> {
    const waiters = this.#waiters.get(lease.destinationId);
    const next = waiters?.[0];
    if (next && lease.expiresAtMs - performance.now() >= next.minRemainingMs) {
      this.#removeWaiter(lease.destinationId, next);
      next.wake(lease);
      return [];
    }
    try {
      return (await this.#run({ kind: 'release', destinationId: lease.destinationId, maxConcurrency, token: lease.token })) as string[];
    } finally {
      const first = this.#waiters.get(lease.destinationId)?.[0];
      if (first) {
        this.#removeWaiter(lease.destinationId, first);
        first.wake(null);
      }
    }
  }

  /** A lease handed over, 'try-again' when a slot was given back to Redis, 'timed-out' (at once when too many wait). */
  #waitForLocalRelease(destinationId: string, timeoutMs: number, wait: SlotWaitOptions): Promise<SlotLease | 'try-again' | 'timed-out'> {
    let waiters = this.#waiters.get(destinationId);
    if (!waiters) {
      waiters = [];
      this.#waiters.set(destinationId, waiters);
    }
    if (waiters.length >= wait.maxWaiting) return Promise.resolve('timed-out');
    return new Promise((resolve) => {
      const waiter: SlotWaiter = {
        minRemainingMs: wait.handOverMinRemainingMs,
        wake: (lease) => {
          clearTimeout(timer);
          resolve(lease ?? 'try-again');
        },
      };
      const timer = setTimeout(() => {
        this.#removeWaiter(destinationId, waiter);
        resolve('timed-out');
      }, timeoutMs);
      waiters.push(waiter);
    });
  }

  #removeWaiter(destinationId: string, waiter: SlotWaiter): void {
    const waiters = this.#waiters.get(destinationId);
    if (!waiters) return;
    const index = waiters.indexOf(waiter);
    if (index !== -1) waiters.splice(index, 1);
    if (waiters.length === 0) this.#waiters.delete(destinationId);
  }

  /** Parks a job that was refused a slot and has been delayed; returns parked jobs that may run now. */
  async park(destinationId: string, jobId: string, maxConcurrency: number, parkTtlMs: number): Promise<string[]> {
    const keys = [this.#leasesKey(destinationId), this.#parkedKey(destinationId)];
    return (await this.#run({ kind: 'script', script: parkScript, keys, args: [jobId, maxConcurrency, Math.ceil(parkTtlMs)] })) as string[];
  }

  /** Callers of acquireWithin in this process waiting for a slot of the destination. */
  waitingFor(destinationId: string): number {
    return this.#waiters.get(destinationId)?.length ?? 0;
  }

  /** Requests in flight to a destination now, over all dispatchers. */
  async inFlight(destinationId: string): Promise<number> {
    return Number(await this.#run({ kind: 'script', script: inFlightScript, keys: [this.#leasesKey(destinationId)], args: [] }));
  }

  /** One slot call; the calls of many deliveries share one round trip (see MicroBatcher). */
  async #run(call: SlotCall): Promise<unknown> {
    const outcome = await this.#calls.submit(call);
    if (outcome.error) throw outcome.error;
    return outcome.value;
  }

  /**
   * The calls as script calls in one pipeline: releases first (so the acquires after them can use
   * the slots they free), then acquires, each destination's merged into one call, then the rest.
   */
  async #runMany(calls: SlotCall[]): Promise<CallOutcome[]> {
    const merged = new Map<string, MergedCall>();
    const others: MergedCall[] = [];
    calls.forEach((call, index) => {
      if (call.kind === 'script') {
        others.push({ script: call.script, keys: call.keys, args: call.args, calls: [index] });
        return;
      }
      const key = call.kind === 'acquire' ? `acquire ${call.destinationId} ${call.maxConcurrency} ${call.leaseMs}` : `release ${call.destinationId} ${call.maxConcurrency}`;
      let entry = merged.get(key);
      if (!entry) {
        entry =
          call.kind === 'acquire'
            ? { script: acquireScript, keys: [this.#leasesKey(call.destinationId)], args: [call.maxConcurrency, call.leaseMs], calls: [] }
            : { script: releaseScript, keys: [this.#leasesKey(call.destinationId), this.#parkedKey(call.destinationId)], args: [call.maxConcurrency], calls: [] };
        merged.set(key, entry);
      }
      entry.args.push(call.token);
      entry.calls.push(index);
    });
    const scriptCalls = [...merged.values()].sort((a, b) => Number(a.script === acquireScript) - Number(b.script === acquireScript)).concat(others);
    const results = await this.#evalMany(scriptCalls);

    const outcomes: CallOutcome[] = Array.from({ length: calls.length });
    scriptCalls.forEach((scriptCall, position) => {
      const result = results[position]!;
      scriptCall.calls.forEach((index, order) => {
        if (result.error) outcomes[index] = result;
        // A merged acquire grants the first `value` tokens; a merged release hands its parked jobs
        // to its first caller, who promotes them.
        else if (scriptCall.script === acquireScript) outcomes[index] = { value: order < Number(result.value) ? 1 : 0 };
        else if (scriptCall.script === releaseScript) outcomes[index] = { value: order === 0 ? result.value : [] };
        else outcomes[index] = result;
      });
    });
    return outcomes;
  }

  /** EVALSHA in one pipeline; calls answered NOSCRIPT (a new or restarted Redis) go again as EVAL. */
  async #evalMany(calls: MergedCall[]): Promise<CallOutcome[]> {
    // One pipeline per node on a cluster: a destination's keys share a slot (slotTagOf), destinations do not.
    const results = await execPipelined(this.#redis, calls.length, (index) => calls[index]!.keys[0]!, (pipeline, index) => {
      const { script, keys, args } = calls[index]!;
      pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
    });
    const outcomes = calls.map((_, index): CallOutcome => {
      const [error, value] = results[index] ?? [new Error('the Redis pipeline returned no answer'), null];
      return error ? { error } : { value };
    });
    const unknownScripts = outcomes.flatMap((outcome, index) => (outcome.error?.message.startsWith('NOSCRIPT') ? [index] : []));
    if (unknownScripts.length > 0) {
      const retried = await execPipelined(this.#redis, unknownScripts.length, (position) => calls[unknownScripts[position]!]!.keys[0]!, (pipeline, position) => {
        const { script, keys, args } = calls[unknownScripts[position]!]!;
        pipeline.eval(script.source, keys.length, ...keys, ...args);
      });
      unknownScripts.forEach((index, position) => {
        const [error, value] = retried[position] ?? [new Error('the Redis pipeline returned no answer'), null];
        outcomes[index] = error ? { error } : { value };
      });
    }
    return outcomes;
  }

  // A destination's two keys go into one script, so on a cluster they share a slot: the id is
  // their hash tag there. A single Redis keeps the names it always had (no tag).
  #leasesKey(destinationId: string) {
    return `${this.#prefix}:destination-slots:${slotTagOf(destinationId, this.#redis)}:leases`;
  }

  #parkedKey(destinationId: string) {
    return `${this.#prefix}:destination-slots:${slotTagOf(destinationId, this.#redis)}:parked`;
  }
}
