import type { Redis } from 'ioredis';
import { identityClaimRedisKey } from '@leadrelay/lead';

/** One lead's identity keys (hashed email and phone) and the id it would get if new. */
export interface ClaimRequest {
  identityKeys: string[];
  leadId: string;
  /** On `update`, identity keys the stored lead does not hold yet are claimed for it. */
  onDuplicate: 'keep' | 'update';
}

export type ClaimOutcome = { kind: 'created'; leadId: string } | { kind: 'duplicate'; leadId: string };

// One atomic script for a whole batch: concurrent requests for one email see exactly one
// `created`, and duplicates inside a batch are caught too.
const claimScript = `
local results = {}
local k = 1
local a = 2
for i = 1, tonumber(ARGV[1]) do
  local count = tonumber(ARGV[a])
  local leadId = ARGV[a + 1]
  local mode = ARGV[a + 2]
  a = a + 3
  local existing = false
  for j = k, k + count - 1 do
    local owner = redis.call('GET', KEYS[j])
    if owner then existing = owner break end
  end
  if existing then
    if mode == 'update' then
      for j = k, k + count - 1 do redis.call('SET', KEYS[j], existing, 'NX') end
    end
    results[i] = existing
  else
    for j = k, k + count - 1 do redis.call('SET', KEYS[j], leadId) end
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
      args.push(request.identityKeys.length, request.leadId, request.onDuplicate);
    }
    const owners = (await this.#scripts[claimCommand](keys.length, ...keys, ...args)) as string[];
    return requests.map((request, index) => {
      const owner = owners[index];
      return owner ? { kind: 'duplicate', leadId: owner } : { kind: 'created', leadId: request.leadId };
    });
  }

  /** Gives back claims made for leads that were then not enqueued. */
  async release(claims: { identityKeys: string[]; leadId: string }[]): Promise<void> {
    const keys: string[] = [];
    const owners: string[] = [];
    for (const claim of claims) {
      for (const key of claim.identityKeys) {
        keys.push(this.#redisKey(key));
        owners.push(claim.leadId);
      }
    }
    if (keys.length > 0) await this.#scripts[releaseCommand](keys.length, ...keys, ...owners);
  }

  #redisKey(identityKey: string): string {
    return identityClaimRedisKey(this.keyPrefix, identityKey);
  }
}
