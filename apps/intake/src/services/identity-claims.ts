import { setTimeout as sleep } from 'node:timers/promises';
import { identityClaimFieldBytes, type IdentityClaimLayout } from '@leadrelay/lead';
import { groupBySlot, isCluster, slotOfKey, type RedisConnection } from '@leadrelay/queue';

/** One lead's identity keys (hashed email and phone) and the id it would get if new. */
export interface ClaimRequest {
  identityKeys: string[];
  leadId: string;
  /** The partner submitting it: a new lead's claims record it as the lead's creator. */
  partnerId: string;
  /**
   * `update` asks to change the lead if it exists. The change is allowed at once when the partner
   * may change any lead or created this one; identity keys the stored lead does not hold yet are
   * then claimed for it.
   */
  onDuplicate: 'keep' | 'update';
  mayChangeAnyLead: boolean;
}

/**
 * `update`: the partner asked to update and may. `check`: it asked, but the claim does not say it
 * created the lead; whether it submitted the lead before is PostgreSQL's to say. `none`: no update
 * was asked for.
 */
export type ClaimOutcome =
  | { kind: 'created'; leadId: string }
  | { kind: 'duplicate'; leadId: string; update: 'allowed' | 'check' | 'none' };

// A claim is a field of a hash bucket (IdentityClaimLayout): the value is 16 bytes of lead id and,
// when intake made the claim for a new lead, 16 bytes of the partner that created it; one the
// worker repaired holds the lead alone, and its creator is PostgreSQL's to say.
//
// On a Redis Cluster a lead whose identities live in buckets of different slots is claimed in
// two phases (claimAcrossSlots, README "Scaling: Redis Cluster and Sentinel"): while it runs, its
// identities hold a reservation, longer than a claim: the 32 bytes of the would-be claim, `p`, and
// the Redis time in ms (decimal) after which the reservation counts as gone (its intake died).
// Every script treats a live reservation of another lead as "wait", an expired one as absent.
const reservationLua = `
local clockMs = nil
local function nowMs()
  if not clockMs then
    local t = redis.call('TIME')
    clockMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return clockMs
end
local function isReservation(value) return #value > 32 end
local function isLive(value) return tonumber(string.sub(value, 34)) > nowMs() end
`;

// One atomic script for a whole batch: concurrent requests for one email see exactly one
// `created`, and duplicates inside a batch are caught too. KEYS: one bucket per identity key, in
// request order (a bucket may repeat); on a cluster, every bucket of a call is in one slot.
// ARGV[1]: the requests as one binary string, so a batch costs one argument and not a few per
// identity; per request: key count (1 byte), flags (1 byte: 1 asks to update, 2 may change any
// lead), the claim's value if the lead is new (32 bytes: lead id and partner id), then the field
// (16 bytes) of each key. Answer: one binary string, per request a letter ('n' created, 'u'
// update allowed, 'c' check, 'd' no update asked, 'w' an identity is reserved by a lead being
// claimed across slots: nothing done, ask again) and the 16 bytes of the lead id the identity now
// belongs to. A single Redis never holds reservations.
const claimScript = `${reservationLua}
local input = ARGV[1]
local results = {}
local pos = 1
local k = 1
while pos <= #input do
  local count = string.byte(input, pos)
  local flags = string.byte(input, pos + 1)
  local newOwner = string.sub(input, pos + 2, pos + 33)
  local fields = {}
  for j = 1, count do
    local f = pos + 34 + (j - 1) * ${identityClaimFieldBytes}
    fields[j] = string.sub(input, f, f + ${identityClaimFieldBytes - 1})
  end
  pos = pos + 34 + count * ${identityClaimFieldBytes}
  local existing = false
  local reserved = false
  local free = {}
  for j = 1, count do
    local owner = redis.call('HGET', KEYS[k + j - 1], fields[j])
    if not owner then
      free[j] = true
    elseif isReservation(owner) then
      if isLive(owner) then reserved = true else free[j] = true end
    elseif not existing then
      existing = owner
    end
  end
  if reserved then
    results[#results + 1] = 'w' .. string.sub(newOwner, 1, 16)
  elseif existing then
    local verdict = 'd'
    if flags % 2 == 1 then
      if flags >= 2 or string.sub(existing, 17) == string.sub(newOwner, 17) then
        verdict = 'u'
        for j = 1, count do
          if free[j] then redis.call('HSET', KEYS[k + j - 1], fields[j], existing) end
        end
      else
        verdict = 'c'
      end
    end
    results[#results + 1] = verdict .. string.sub(existing, 1, 16)
  else
    for j = 1, count do redis.call('HSET', KEYS[k + j - 1], fields[j], newOwner) end
    results[#results + 1] = 'n' .. string.sub(newOwner, 1, 16)
  end
  k = k + count
end
return table.concat(results)
`;

// Only claims still pointing at the lead we claimed them for are released. ARGV: field and
// owner value for each key.
const releaseScript = `
local released = 0
for j = 1, #KEYS do
  if redis.call('HGET', KEYS[j], ARGV[j * 2 - 1]) == ARGV[j * 2] then
    redis.call('HDEL', KEYS[j], ARGV[j * 2 - 1])
    released = released + 1
  end
end
return released
`;

// Phase 1 of a claim across slots, for the lead's identities in one slot. KEYS: their buckets;
// ARGV: their fields (16 bytes each, one string), the would-be claim (32 bytes), the
// reservation's time to live in ms, and '1' to reserve or '0' only to look. Answer: 'w' (another
// lead's live reservation: nothing done), 'e' .. the position (1 byte, 1-based) .. the claim of
// the first identity already claimed (nothing reserved), or 'r' (reserved, or looked: none claimed).
const reserveScript = `${reservationLua}
local fields = ARGV[1]
local owner = ARGV[2]
local existing = false
for j = 1, #KEYS do
  local value = redis.call('HGET', KEYS[j], string.sub(fields, j * 16 - 15, j * 16))
  if value then
    if isReservation(value) then
      if ARGV[4] == '1' and string.sub(value, 1, 32) ~= owner and isLive(value) then return 'w' end
    elseif not existing then
      existing = string.char(j) .. value
    end
  end
end
if existing then return 'e' .. existing end
if ARGV[4] == '1' then
  local reservation = owner .. 'p' .. string.format('%.0f', nowMs() + tonumber(ARGV[3]))
  for j = 1, #KEYS do redis.call('HSET', KEYS[j], string.sub(fields, j * 16 - 15, j * 16), reservation) end
end
return 'r'
`;

// Phase 2: turns this lead's reservations in one slot into claims, all or none. ARGV: fields,
// claim (32 bytes). Answer 1, or 0 when a reservation is no longer this lead's (it expired and
// another lead took the identity).
const commitScript = `
local fields = ARGV[1]
for j = 1, #KEYS do
  local value = redis.call('HGET', KEYS[j], string.sub(fields, j * 16 - 15, j * 16))
  if not value or #value <= 32 or string.sub(value, 1, 32) ~= ARGV[2] then return 0 end
end
for j = 1, #KEYS do redis.call('HSET', KEYS[j], string.sub(fields, j * 16 - 15, j * 16), ARGV[2]) end
return 1
`;

// Gives back this lead's reservations in one slot, or (ARGV[3] = '1') gives its free identities
// to the existing lead named in ARGV[2] (an update that claims the keys the stored lead lacks).
// ARGV: fields, claim (32 bytes, or the existing lead's claim), mode.
const settleScript = `${reservationLua}
local fields = ARGV[1]
for j = 1, #KEYS do
  local field = string.sub(fields, j * 16 - 15, j * 16)
  local value = redis.call('HGET', KEYS[j], field)
  if ARGV[3] == '1' then
    if not value or (isReservation(value) and not isLive(value)) then redis.call('HSET', KEYS[j], field, ARGV[2]) end
  elseif value and isReservation(value) and string.sub(value, 1, 32) == ARGV[2] then
    redis.call('HDEL', KEYS[j], field)
  end
end
return 1
`;

// Defined as ioredis commands so they go as EVALSHA (ioredis sends the text once per connection,
// and again after a NOSCRIPT), not the whole script on every request. The claim's answers are
// binary (ids as bytes), so it is called through ioredis' Buffer variant.
const claimCommand = 'leadrelayClaimIdentities';
const releaseCommand = 'leadrelayReleaseIdentities';
const reserveCommand = 'leadrelayReserveIdentities';
const commitCommand = 'leadrelayCommitIdentities';
const settleCommand = 'leadrelaySettleIdentities';

/** A request's part of the claim script's input before its fields: key count, flags, new value. */
const requestHeaderBytes = 34;
/** A request's part of the claim script's answer: a verdict letter and a lead id. */
const answerBytes = 17;

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | Buffer | number)[]) => Promise<unknown>;
type ClaimScripts = Record<
  `${typeof claimCommand}Buffer` | typeof releaseCommand | `${typeof reserveCommand}Buffer` | typeof commitCommand | typeof settleCommand,
  ScriptCommand
>;

export interface IdentityClaimsOptions {
  /**
   * On a cluster: how long a reservation of a lead claimed across slots lasts if its intake dies
   * between the two phases; others wait for it up to this long. A claim whose first phase took
   * half of it starts over rather than commit reservations that may be expiring.
   */
  reservationTtlMs?: number;
}

/** One identity of a request claimed across slots: its bucket, field and place in the request. */
interface PlacedIdentity {
  key: string;
  field: Buffer;
  index: number;
}

/** Waits between looks at an identity another lead has reserved: short, since phase 2 follows phase 1 at once. */
const reservedRetryDelaysMs = [1, 2, 5, 10, 20];

/**
 * The duplicate decision, made at intake in Redis: a lead's identity keys are claimed for it
 * atomically. PostgreSQL's unique indexes stay the final guard in the worker.
 */
export class IdentityClaims {
  readonly #scripts: ClaimScripts;
  readonly #clustered: boolean;
  readonly #redis: RedisConnection;
  readonly #reservationTtlMs: number;

  constructor(
    redis: RedisConnection,
    private readonly layout: IdentityClaimLayout,
    { reservationTtlMs = 10_000 }: IdentityClaimsOptions = {},
  ) {
    redis.defineCommand(claimCommand, { lua: claimScript });
    redis.defineCommand(releaseCommand, { lua: releaseScript });
    redis.defineCommand(reserveCommand, { lua: reserveScript });
    redis.defineCommand(commitCommand, { lua: commitScript });
    redis.defineCommand(settleCommand, { lua: settleScript });
    this.#scripts = redis as unknown as ClaimScripts;
    this.#redis = redis;
    this.#clustered = isCluster(redis);
    this.#reservationTtlMs = reservationTtlMs;
  }

  async claim(requests: ClaimRequest[]): Promise<ClaimOutcome[]> {
    if (requests.length === 0) return [];
    if (!this.#clustered) return (await this.#claimInOneCall(requests)) as ClaimOutcome[];
    return this.#claimOnCluster(requests);
  }

  /**
   * The claim script for requests whose buckets share a slot (all of them on a single Redis).
   * `null` for a request that met another lead's reservation (only on a cluster).
   */
  async #claimInOneCall(requests: ClaimRequest[]): Promise<(ClaimOutcome | null)[]> {
    let inputBytes = 0;
    for (const request of requests) inputBytes += requestHeaderBytes + request.identityKeys.length * identityClaimFieldBytes;
    const input = Buffer.allocUnsafe(inputBytes);
    const keys: string[] = [];
    let offset = 0;
    for (const request of requests) {
      if (request.identityKeys.length > 255) throw new Error('255 identity keys per lead at most');
      input[offset] = request.identityKeys.length;
      input[offset + 1] = (request.onDuplicate === 'update' ? 1 : 0) | (request.mayChangeAnyLead ? 2 : 0);
      offset += 2;
      offset += this.layout.writeOwner(request.leadId, request.partnerId, input, offset);
      for (const identityKey of request.identityKeys) {
        keys.push(this.layout.writeField(identityKey, input, offset));
        offset += identityClaimFieldBytes;
      }
    }
    const answer = (await this.#scripts[`${claimCommand}Buffer`](keys.length, ...keys, input)) as Buffer;
    return requests.map((request, index): ClaimOutcome | null => {
      const at = index * answerBytes;
      const verdict = answer[at];
      if (verdict === 0x6e /* n */) return { kind: 'created', leadId: request.leadId };
      if (verdict === 0x77 /* w */) return null;
      const update = verdict === 0x75 /* u */ ? 'allowed' : verdict === 0x63 /* c */ ? 'check' : 'none';
      return { kind: 'duplicate', leadId: this.layout.leadIdAt(answer, at + 1), update };
    });
  }

  /**
   * On a cluster: requests whose identities share a slot go as one claim script per slot; the
   * others through claimAcrossSlots. Requests of the batch that share an identity run in batch
   * order (in later waves), unless they are in the same script call, which keeps the order itself.
   */
  async #claimOnCluster(requests: ClaimRequest[]): Promise<ClaimOutcome[]> {
    const slotOfRequest = requests.map((request) => {
      const slots = new Set(request.identityKeys.map((identityKey) => slotOfKey(this.layout.slotOf(identityKey).key)));
      return slots.size <= 1 ? ([...slots][0] ?? 0) : -1;
    });
    const waves: number[][] = [];
    const lastByIdentity = new Map<string, { wave: number; slot: number }>();
    requests.forEach((request, index) => {
      const slot = slotOfRequest[index]!;
      let wave = 0;
      for (const identityKey of request.identityKeys) {
        const earlier = lastByIdentity.get(identityKey);
        if (earlier) wave = Math.max(wave, slot >= 0 && earlier.slot === slot ? earlier.wave : earlier.wave + 1);
      }
      for (const identityKey of request.identityKeys) lastByIdentity.set(identityKey, { wave, slot });
      (waves[wave] ??= []).push(index);
    });
    const outcomes: ClaimOutcome[] = Array.from({ length: requests.length });
    for (const wave of waves) {
      const inOneSlot = wave.filter((index) => slotOfRequest[index]! >= 0);
      await Promise.all([
        ...groupBySlot(this.#redis, inOneSlot, (index) => this.#bucketOf(requests[index]!)).map((group) =>
          this.#claimWaitingForReservations(group.map((index) => requests[index]!)).then((answers) =>
            answers.forEach((answer, position) => (outcomes[group[position]!] = answer)),
          ),
        ),
        ...wave
          .filter((index) => slotOfRequest[index]! < 0)
          .map(async (index) => {
            outcomes[index] = await this.#claimAcrossSlots(requests[index]!);
          }),
      ]);
    }
    return outcomes;
  }

  /** The bucket of a request's first identity: all of its buckets share that slot (or it has none: slot 0). */
  #bucketOf(request: ClaimRequest): string {
    const [identityKey] = request.identityKeys;
    return identityKey === undefined ? '' : this.layout.slotOf(identityKey).key;
  }

  /** The claim script again for the requests that met a reservation, until none does. */
  async #claimWaitingForReservations(requests: ClaimRequest[]): Promise<ClaimOutcome[]> {
    const outcomes: (ClaimOutcome | null)[] = Array.from({ length: requests.length }, () => null);
    let waiting = requests.map((_, index) => index);
    const giveUpAt = performance.now() + this.#reservationTtlMs * 1.5;
    for (let attempt = 0; ; attempt += 1) {
      const answers = await this.#claimInOneCall(waiting.map((index) => requests[index]!));
      answers.forEach((answer, position) => (outcomes[waiting[position]!] = answer));
      waiting = waiting.filter((index) => outcomes[index] === null);
      if (waiting.length === 0) return outcomes as ClaimOutcome[];
      await this.#waitForReservation(attempt, giveUpAt);
    }
  }

  /**
   * A lead whose identities live in several slots, claimed in two phases so that the decision
   * stays the one a single script would make (README, "the duplicate decision on a cluster"):
   *
   * 1. slot by slot, in ascending slot order, each slot's identities are looked at and, if none
   *    is claimed, reserved for this lead (one script per slot, so atomic within it). Another
   *    lead's live reservation makes it wait and look again. A claimed identity ends phase 1: the
   *    reservations made so far are given back, and the remaining slots are only looked at, to
   *    name the lead of the first claimed identity in request order;
   * 2. with every identity reserved, the reservations become claims, slot by slot in the same order.
   *
   * Anyone meeting a reservation waits until it becomes a claim or is given back, so nobody
   * decides on an identity while a lead holds it undecided; reserving in one global order means
   * two leads never wait for each other. A reservation outlives a dead intake by reservationTtlMs
   * at most; a claim whose phase 1 took half of that starts over instead of committing.
   */
  async #claimAcrossSlots(request: ClaimRequest): Promise<ClaimOutcome> {
    const owner = this.layout.encodeOwner(request.leadId, request.partnerId);
    const identities: PlacedIdentity[] = request.identityKeys.map((identityKey, index) => ({ ...this.layout.slotOf(identityKey), index }));
    const slots = groupBySlot(this.#redis, identities, (identity) => identity.key);
    const giveUpAt = performance.now() + this.#reservationTtlMs * 1.5;
    for (;;) {
      const startedAt = performance.now();
      const reserved: PlacedIdentity[][] = [];
      let existing: { index: number; claim: Buffer } | undefined;
      for (const slot of slots) {
        const answer = await this.#reserve(slot, owner, existing === undefined, giveUpAt).catch(async (error: unknown) => {
          // Gave up waiting (or Redis failed): what this lead reserved would block others until it expired.
          await this.#settle(reserved, owner, false).catch(() => undefined);
          throw error;
        });
        if (answer[0] !== 0x65 /* e */) {
          if (existing === undefined) reserved.push(slot);
          continue;
        }
        const found = { index: slot[answer[1]! - 1]!.index, claim: answer.subarray(2) };
        if (!existing || found.index < existing.index) existing = found;
        await this.#settle(reserved, owner, false);
        reserved.length = 0;
      }
      if (existing) return this.#duplicateAcrossSlots(request, owner, existing.claim, slots);
      if (performance.now() - startedAt > this.#reservationTtlMs / 2) {
        await this.#settle(reserved, owner, false);
        continue;
      }
      const [first, ...rest] = slots;
      if (!(await this.#commit(first!, owner))) {
        // The first slot's reservation expired and went to another lead: nothing is claimed yet.
        await this.#settle(rest, owner, false);
        continue;
      }
      for (const slot of rest) {
        if (!(await this.#commit(slot, owner))) {
          throw new Error('an identity reservation expired between the phases of a claim across slots (reservationTtlMs too short for this Redis)');
        }
      }
      return { kind: 'created', leadId: request.leadId };
    }
  }

  async #duplicateAcrossSlots(request: ClaimRequest, owner: Buffer, claim: Buffer, slots: PlacedIdentity[][]): Promise<ClaimOutcome> {
    const leadId = this.layout.leadIdAt(claim, 0);
    if (request.onDuplicate !== 'update') return { kind: 'duplicate', leadId, update: 'none' };
    const createdByThisPartner = claim.length === owner.length && claim.subarray(16).equals(owner.subarray(16));
    if (!request.mayChangeAnyLead && !createdByThisPartner) return { kind: 'duplicate', leadId, update: 'check' };
    await this.#settle(slots, claim, true);
    return { kind: 'duplicate', leadId, update: 'allowed' };
  }

  async #reserve(slot: PlacedIdentity[], owner: Buffer, reserve: boolean, giveUpAt: number): Promise<Buffer> {
    for (let attempt = 0; ; attempt += 1) {
      const answer = (await this.#scripts[`${reserveCommand}Buffer`](
        slot.length,
        ...slot.map((identity) => identity.key),
        Buffer.concat(slot.map((identity) => identity.field)),
        owner,
        this.#reservationTtlMs,
        reserve ? '1' : '0',
      )) as Buffer;
      if (answer[0] !== 0x77 /* w */) return answer;
      await this.#waitForReservation(attempt, giveUpAt);
    }
  }

  async #commit(slot: PlacedIdentity[], owner: Buffer): Promise<boolean> {
    const keys = slot.map((identity) => identity.key);
    return Number(await this.#scripts[commitCommand](keys.length, ...keys, Buffer.concat(slot.map((identity) => identity.field)), owner)) === 1;
  }

  /** Gives back `owner`'s reservations in these slots, or (`attach`) gives their free identities to the claim `owner`. */
  async #settle(slots: PlacedIdentity[][], owner: Buffer, attach: boolean): Promise<void> {
    await Promise.all(
      slots.map((slot) => {
        const keys = slot.map((identity) => identity.key);
        return this.#scripts[settleCommand](keys.length, ...keys, Buffer.concat(slot.map((identity) => identity.field)), owner, attach ? '1' : '0');
      }),
    );
  }

  async #waitForReservation(attempt: number, giveUpAt: number): Promise<void> {
    if (performance.now() > giveUpAt) throw new Error('an identity stayed reserved by another lead longer than its reservation may last');
    await sleep(reservedRetryDelaysMs[Math.min(attempt, reservedRetryDelaysMs.length - 1)]);
  }

  /** Gives back claims made for leads that were then not enqueued. */
  async release(claims: Pick<ClaimRequest, 'identityKeys' | 'leadId' | 'partnerId'>[]): Promise<void> {
    const slots: { key: string; field: Buffer; owner: Buffer }[] = [];
    for (const claim of claims) {
      const owner = this.layout.encodeOwner(claim.leadId, claim.partnerId);
      for (const identityKey of claim.identityKeys) slots.push({ ...this.layout.slotOf(identityKey), owner });
    }
    await Promise.all(
      groupBySlot(this.#redis, slots, (slot) => slot.key).map((group) =>
        this.#scripts[releaseCommand](group.length, ...group.map((slot) => slot.key), ...group.flatMap((slot) => [slot.field, slot.owner])),
      ),
    );
  }
}
