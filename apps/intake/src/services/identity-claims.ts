import type { RedisConnection } from '@leadrelay/queue';
import { identityClaimFieldBytes, type IdentityClaimLayout } from '@leadrelay/lead';

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
// request order (a bucket may repeat). ARGV[1]: the requests as one binary string, so a batch
// costs one argument and not a few per identity; per request: key count (1 byte), flags (1 byte:
// 1 asks to update, 2 may change any lead), the claim's value if the lead is new (32 bytes: lead
// id and partner id), then the field (16 bytes) of each key. Answer: one binary string, per
// request a letter ('n' created, 'u' update allowed, 'c' check, 'd' no update asked) and the 16
// bytes of the lead id the identity now belongs to. Every bucket is named in KEYS, so on a
// cluster a batch can be split into one call per slot without changing the script (a lead whose
// email and phone fall in two slots is then the cluster work's question).
const claimScript = `
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
  for j = 1, count do
    local owner = redis.call('HGET', KEYS[k + j - 1], fields[j])
    if owner then existing = owner break end
  end
  if existing then
    local verdict = 'd'
    if flags % 2 == 1 then
      if flags >= 2 or string.sub(existing, 17) == string.sub(newOwner, 17) then
        verdict = 'u'
        for j = 1, count do redis.call('HSETNX', KEYS[k + j - 1], fields[j], existing) end
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

// Defined as ioredis commands so they go as EVALSHA (ioredis sends the text once per connection,
// and again after a NOSCRIPT), not the whole script on every request. The claim's answers are
// binary (ids as bytes), so it is called through ioredis' Buffer variant.
const claimCommand = 'leadrelayClaimIdentities';
const releaseCommand = 'leadrelayReleaseIdentities';

/** A request's part of the claim script's input before its fields: key count, flags, new value. */
const requestHeaderBytes = 34;
/** A request's part of the claim script's answer: a verdict letter and a lead id. */
const answerBytes = 17;

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | Buffer | number)[]) => Promise<unknown>;
type ClaimScripts = Record<`${typeof claimCommand}Buffer` | typeof releaseCommand, ScriptCommand>;

/**
 * The duplicate decision, made at intake in Redis: a lead's identity keys are claimed for it
 * atomically. PostgreSQL's unique indexes stay the final guard in the worker.
 */
export class IdentityClaims {
  readonly #scripts: ClaimScripts;

  constructor(
    redis: RedisConnection,
    private readonly layout: IdentityClaimLayout,
  ) {
    redis.defineCommand(claimCommand, { lua: claimScript });
    redis.defineCommand(releaseCommand, { lua: releaseScript });
    this.#scripts = redis as unknown as ClaimScripts;
  }

  async claim(requests: ClaimRequest[]): Promise<ClaimOutcome[]> {
    if (requests.length === 0) return [];
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
    return requests.map((request, index): ClaimOutcome => {
      const at = index * answerBytes;
      const verdict = answer[at];
      if (verdict === 0x6e /* n */) return { kind: 'created', leadId: request.leadId };
      const update = verdict === 0x75 /* u */ ? 'allowed' : verdict === 0x63 /* c */ ? 'check' : 'none';
      return { kind: 'duplicate', leadId: this.layout.leadIdAt(answer, at + 1), update };
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
