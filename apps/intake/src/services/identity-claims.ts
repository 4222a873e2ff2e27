import type { Redis } from 'ioredis';
import { identityClaimRedisKey, identityClaimValue, leadIdOfIdentityClaim } from '@leadrelay/lead';

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

// A claim's value is `<lead id>/<creator partner id>` (identityClaimValue); one the worker repaired
// holds the lead id alone, and its creator is PostgreSQL's to say.
//
// One atomic script for a whole batch: concurrent requests for one email see exactly one
// `created`, and duplicates inside a batch are caught too. ARGV per request: key count, lead id,
// mode, partner id, whether it may change any lead. Answers per request: '' (created), or a
// one-letter verdict ('u' update allowed, 'c' check, 'd' no update asked) and the owner's value.
const claimScript = `
local results = {}
local k = 1
local a = 2
for i = 1, tonumber(ARGV[1]) do
  local count = tonumber(ARGV[a])
  local leadId = ARGV[a + 1]
  local mode = ARGV[a + 2]
  local partnerId = ARGV[a + 3]
  local mayChangeAny = ARGV[a + 4]
  a = a + 5
  local existing = false
  for j = k, k + count - 1 do
    local owner = redis.call('GET', KEYS[j])
    if owner then existing = owner break end
  end
  if existing then
    local verdict = 'd'
    if mode == 'update' then
      local slash = string.find(existing, '/', 1, true)
      local creator = slash and string.sub(existing, slash + 1) or ''
      if mayChangeAny == '1' or creator == partnerId then
        verdict = 'u'
        for j = k, k + count - 1 do redis.call('SET', KEYS[j], existing, 'NX') end
      else
        verdict = 'c'
      end
    end
    results[i] = verdict .. existing
  else
    for j = k, k + count - 1 do redis.call('SET', KEYS[j], leadId .. '/' .. partnerId) end
    results[i] = ''
  end
  k = k + count
end
return results
`;

// Only keys still pointing at the lead we claimed them for are released.
const releaseScript = `
local released = 0
for j = 1, #KEYS do
  if redis.call('GET', KEYS[j]) == ARGV[j] then
    redis.call('DEL', KEYS[j])
    released = released + 1
  end
end
return released
`;

// Defined as ioredis commands so they go as EVALSHA (ioredis sends the text once per connection,
// and again after a NOSCRIPT), not the whole script on every request.
const claimCommand = 'leadrelayClaimIdentities';
const releaseCommand = 'leadrelayReleaseIdentities';

type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;
type ClaimScripts = Record<typeof claimCommand | typeof releaseCommand, ScriptCommand>;

/**
 * The duplicate decision, made at intake in Redis: a lead's identity keys are claimed for it
 * atomically. PostgreSQL's unique indexes stay the final guard in the worker.
 */
export class IdentityClaims {
  readonly #scripts: ClaimScripts;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand(claimCommand, { lua: claimScript });
    redis.defineCommand(releaseCommand, { lua: releaseScript });
    this.#scripts = redis as unknown as ClaimScripts;
  }

  async claim(requests: ClaimRequest[]): Promise<ClaimOutcome[]> {
    if (requests.length === 0) return [];
    const keys: string[] = [];
    const args: (string | number)[] = [requests.length];
    for (const request of requests) {
      for (const key of request.identityKeys) keys.push(this.#redisKey(key));
      args.push(request.identityKeys.length, request.leadId, request.onDuplicate, request.partnerId, request.mayChangeAnyLead ? '1' : '0');
    }
    const answers = (await this.#scripts[claimCommand](keys.length, ...keys, ...args)) as string[];
    return requests.map((request, index): ClaimOutcome => {
      const answer = answers[index];
      if (!answer) return { kind: 'created', leadId: request.leadId };
      const verdict = answer[0] === 'u' ? 'allowed' : answer[0] === 'c' ? 'check' : 'none';
      return { kind: 'duplicate', leadId: leadIdOfIdentityClaim(answer.slice(1)), update: verdict };
    });
  }

  /** Gives back claims made for leads that were then not enqueued. */
  async release(claims: Pick<ClaimRequest, 'identityKeys' | 'leadId' | 'partnerId'>[]): Promise<void> {
    const keys: string[] = [];
    const owners: string[] = [];
    for (const claim of claims) {
      for (const key of claim.identityKeys) {
        keys.push(this.#redisKey(key));
        owners.push(identityClaimValue(claim.leadId, claim.partnerId));
      }
    }
    if (keys.length > 0) await this.#scripts[releaseCommand](keys.length, ...keys, ...owners);
  }

  #redisKey(identityKey: string): string {
    return identityClaimRedisKey(this.keyPrefix, identityKey);
  }
}

