import type { Redis } from 'ioredis';
import type { IdentityClaimLayout } from '@leadrelay/lead';

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
// One atomic script for a whole batch: concurrent requests for one email see exactly one
// `created`, and duplicates inside a batch are caught too. KEYS: one bucket per identity key, in
// request order (a bucket may repeat). ARGV per request: key count, the claim's value if the
// lead is new (lead id and partner id), mode, whether it may change any lead, then one field per
// key. Answers per request: '' (created), or a one-letter verdict ('u' update allowed, 'c' check,
// 'd' no update asked) and the owner's value. Every bucket is named in KEYS, so on a cluster a
// batch can be split into one call per slot without changing the script (a lead whose email and
// phone fall in two slots is then the cluster work's question).
const claimScript = `
local results = {}
local k = 1
local a = 2
for i = 1, tonumber(ARGV[1]) do
  local count = tonumber(ARGV[a])
  local newOwner = ARGV[a + 1]
  local mode = ARGV[a + 2]
  local mayChangeAny = ARGV[a + 3]
  local f = a + 4
  a = f + count
  local existing = false
  for j = 0, count - 1 do
    local owner = redis.call('HGET', KEYS[k + j], ARGV[f + j])
    if owner then existing = owner break end
  end
  if existing then
    local verdict = 'd'
    if mode == 'update' then
      if mayChangeAny == '1' or string.sub(existing, 17) == string.sub(newOwner, 17) then
        verdict = 'u'
        for j = 0, count - 1 do redis.call('HSETNX', KEYS[k + j], ARGV[f + j], existing) end
      else
        verdict = 'c'
      end
    end
    results[i] = verdict .. existing
  else
    for j = 0, count - 1 do redis.call('HSET', KEYS[k + j], ARGV[f + j], newOwner) end
    results[i] = ''
  end
  k = k + count
end
return results
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

// Defined as ioredis commands so they go as EVALSHA (ioredis sends the text once per connection,
// and again after a NOSCRIPT), not the whole script on every request. The claim's answers are
// binary (ids as bytes), so it is called through ioredis' Buffer variant.
const claimCommand = 'leadrelayClaimIdentities';
const releaseCommand = 'leadrelayReleaseIdentities';

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | Buffer | number)[]) => Promise<unknown>;
type ClaimScripts = Record<`${typeof claimCommand}Buffer` | typeof releaseCommand, ScriptCommand>;

/**
 * The duplicate decision, made at intake in Redis: a lead's identity keys are claimed for it
 * atomically. PostgreSQL's unique indexes stay the final guard in the worker.
 */
export class IdentityClaims {
  readonly #scripts: ClaimScripts;

  constructor(
    redis: Redis,
    private readonly layout: IdentityClaimLayout,
  ) {
    redis.defineCommand(claimCommand, { lua: claimScript });
    redis.defineCommand(releaseCommand, { lua: releaseScript });
    this.#scripts = redis as unknown as ClaimScripts;
  }

  async claim(requests: ClaimRequest[]): Promise<ClaimOutcome[]> {
    if (requests.length === 0) return [];
    const keys: string[] = [];
    const args: (string | Buffer | number)[] = [requests.length];
    for (const request of requests) {
      args.push(
        request.identityKeys.length,
        this.layout.encodeOwner(request.leadId, request.partnerId),
        request.onDuplicate,
        request.mayChangeAnyLead ? '1' : '0',
      );
      for (const identityKey of request.identityKeys) {
        const slot = this.layout.slotOf(identityKey);
        keys.push(slot.key);
        args.push(slot.field);
      }
    }
    const answers = (await this.#scripts[`${claimCommand}Buffer`](keys.length, ...keys, ...args)) as Buffer[];
    return requests.map((request, index): ClaimOutcome => {
      const answer = answers[index]!;
      if (answer.length === 0) return { kind: 'created', leadId: request.leadId };
      const verdict = answer[0] === 0x75 /* u */ ? 'allowed' : answer[0] === 0x63 /* c */ ? 'check' : 'none';
      return { kind: 'duplicate', leadId: this.layout.decodeOwner(answer.subarray(1)).leadId, update: verdict };
    });
  }

  /** Gives back claims made for leads that were then not enqueued. */
  async release(claims: Pick<ClaimRequest, 'identityKeys' | 'leadId' | 'partnerId'>[]): Promise<void> {
    const keys: string[] = [];
    const args: Buffer[] = [];
    for (const claim of claims) {
      const owner = this.layout.encodeOwner(claim.leadId, claim.partnerId);
      for (const identityKey of claim.identityKeys) {
        const slot = this.layout.slotOf(identityKey);
        keys.push(slot.key);
        args.push(slot.field, owner);
      }
    }
    if (keys.length > 0) await this.#scripts[releaseCommand](keys.length, ...keys, ...args);
  }
}
