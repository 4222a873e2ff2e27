/**
 * Redis memory per stored identity (issue 12, part 5): writes the identity claims of `leads`
 * leads, each with an email and a phone, into a redis-server of the bench's own (no snapshots, no
 * AOF; the machine's Redis is never touched), through intake's real claim script, and divides the
 * growth of INFO memory's used_memory by the identities stored. The same run stores the same
 * identities as the key-per-identity claims of before (`<prefix>:identity:email:<sha256
 * base64url>` holding `<lead id>/<partner id>`, written with SET as the old script did) for the
 * figure to compare with.
 *
 *   pnpm exec tsx bench/identity-memory.ts [--leads 1000000]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { newTimeOrderedUuid } from '@leadrelay/db';
import { IdentityClaimLayout, identityKeys } from '@leadrelay/lead';
import { IdentityClaims, type ClaimRequest } from '../apps/intake/src/services/identity-claims.ts';
import { PrivateRedis } from '../test/support/private-redis.ts';
import { benchTargets } from './bench-targets.ts';

export interface IdentityMemoryBenchOptions {
  /** Leads whose claims are stored; each has an email and a phone, so two identities. */
  leads?: number;
  /** IDENTITY_BUCKET_BITS of the layout measured. */
  bucketBits?: number;
  log?: (line: string) => void;
}

export interface IdentityMemoryBenchResult {
  identities: number;
  bucketBits: number;
  /** used_memory growth / identities, hash buckets through the claim script. */
  bytesPerIdentity: number;
  /** The same with a key per identity, as before. */
  keyPerIdentityBytesPerIdentity: number;
  ratioToKeyPerIdentity: number;
  /** Buckets Redis keeps as a listpack, and those it had to convert to a hashtable (should be 0). */
  listpackBuckets: number;
  hashtableBuckets: number;
  largestBucketEntries: number;
  /** Time in the claim script, per lead, from Redis' own command statistics. */
  claimScriptMicrosecondsPerLead: number;
  meetsTarget: boolean;
}

/** Leads per claim-script call: intake's group commit sends up to 500 (its maxLeadsPerJob). */
const leadsPerCall = 500;

export async function runIdentityMemoryBench(options: IdentityMemoryBenchOptions = {}): Promise<IdentityMemoryBenchResult> {
  const log = options.log ?? (() => {});
  const leads = options.leads ?? 1_000_000;
  const layout = new IdentityClaimLayout('lrbench', options.bucketBits);
  const redisServer = new PrivateRedis();
  await redisServer.start();
  const redis = new Redis(redisServer.url);
  try {
    const runTag = randomBytes(4).toString('hex');
    const partnerId = randomUUID();
    const requestsOf = (from: number, count: number): ClaimRequest[] =>
      Array.from({ length: count }, (_, offset) => ({
        // What intake's normalization makes of the bench's leads: lower-case email, E.164 phone.
        identityKeys: identityKeys({ email: `bench-${runTag}-${from + offset}@leads.example`, phone: `+1212${String(2_000_000 + from + offset).padStart(7, '0')}` }),
        leadId: newTimeOrderedUuid(),
        partnerId,
        onDuplicate: 'keep',
        mayChangeAnyLead: false,
      }));

    log(`key per identity: ${leads.toLocaleString('en-US')} leads`);
    const legacy = await measureUsedMemory(redis, async () => {
      for (let from = 0; from < leads; from += leadsPerCall) {
        const pipeline = redis.pipeline();
        for (const request of requestsOf(from, Math.min(leadsPerCall, leads - from))) {
          for (const key of request.identityKeys) pipeline.set(`lrbench:identity:${key}`, `${request.leadId}/${request.partnerId}`);
        }
        await pipeline.exec();
      }
    });
    await redis.flushall();
    await redis.config('RESETSTAT');

    log(`hash buckets (${layout.bucketBits} bits), through the claim script: ${leads.toLocaleString('en-US')} leads`);
    const claims = new IdentityClaims(redis, layout);
    const bucketed = await measureUsedMemory(redis, async () => {
      for (let from = 0; from < leads; from += leadsPerCall) {
        const outcomes = await claims.claim(requestsOf(from, Math.min(leadsPerCall, leads - from)));
        if (outcomes.some((outcome) => outcome.kind !== 'created')) throw new Error('a new identity was answered as a duplicate');
      }
    });
    const scriptMicroseconds = Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? Number.NaN);

    log('bucket encodings');
    const buckets = await bucketShapes(redis);
    const identities = leads * 2;
    const bytesPerIdentity = bucketed / identities;
    const keyPerIdentityBytesPerIdentity = legacy / identities;
    return {
      identities,
      bucketBits: layout.bucketBits,
      bytesPerIdentity,
      keyPerIdentityBytesPerIdentity,
      ratioToKeyPerIdentity: bytesPerIdentity / keyPerIdentityBytesPerIdentity,
      ...buckets,
      claimScriptMicrosecondsPerLead: scriptMicroseconds / leads,
      meetsTarget: bytesPerIdentity <= benchTargets.redisBytesPerIdentity && buckets.hashtableBuckets === 0,
    };
  } finally {
    redis.disconnect();
    await redisServer.destroy();
  }
}

/** used_memory after `write` minus before, in bytes. */
async function measureUsedMemory(redis: Redis, write: () => Promise<void>): Promise<number> {
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  const before = await usedMemory();
  await write();
  return (await usedMemory()) - before;
}

async function bucketShapes(redis: Redis): Promise<Pick<IdentityMemoryBenchResult, 'listpackBuckets' | 'hashtableBuckets' | 'largestBucketEntries'>> {
  let listpackBuckets = 0;
  let hashtableBuckets = 0;
  let largestBucketEntries = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'lrbench:identity:*', 'COUNT', 5_000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.object('ENCODING', key).hlen(key);
    const replies = (await pipeline.exec()) ?? [];
    for (let index = 0; index < replies.length; index += 2) {
      if (replies[index]![1] === 'listpack') listpackBuckets += 1;
      else hashtableBuckets += 1;
      largestBucketEntries = Math.max(largestBucketEntries, replies[index + 1]![1] as number);
    }
  } while (cursor !== '0');
  return { listpackBuckets, hashtableBuckets, largestBucketEntries };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { leads: { type: 'string', default: '1000000' }, 'bucket-bits': { type: 'string' } } });
  const leads = Number(values.leads);
  if (!Number.isInteger(leads) || leads <= 0) throw new Error('--leads must be a positive whole number');
  const bucketBits = values['bucket-bits'] === undefined ? undefined : Number(values['bucket-bits']);
  const result = await runIdentityMemoryBench({ leads, bucketBits, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
