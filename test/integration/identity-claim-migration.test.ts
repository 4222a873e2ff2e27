import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { newTimeOrderedUuid } from '@leadrelay/db';
import { IdentityClaimLayout, identityKeys } from '@leadrelay/lead';
import { IdentityClaims, type ClaimRequest } from '../../apps/intake/src/services/identity-claims.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** `pnpm identity:migrate` as an operator runs it, for one deployment's prefix. */
function migrate(queuePrefix: string) {
  return run(process.execPath, ['--import', 'tsx', join(repositoryRoot, 'scripts/migrate-identity-claims.ts')], {
    cwd: repositoryRoot,
    env: { ...process.env, NODE_ENV: 'test', REDIS_URL: testRedisUrl, QUEUE_PREFIX: queuePrefix },
  });
}

describe('pnpm identity:migrate: key-per-identity claims of an older LeadRelay into hash buckets', () => {
  const queuePrefix = createQueuePrefix();
  const redis = new Redis(testRedisUrl);
  const layout = new IdentityClaimLayout(queuePrefix);
  const claims = new IdentityClaims(redis, layout);

  afterAll(async () => {
    redis.disconnect();
    await deleteRedisKeys(queuePrefix);
  });

  const request = (email: string, partnerId: string, onDuplicate: ClaimRequest['onDuplicate']): ClaimRequest => ({
    identityKeys: identityKeys({ email }),
    leadId: newTimeOrderedUuid(),
    partnerId,
    onDuplicate,
    mayChangeAnyLead: false,
  });

  it('moves every old claim, keeps a bucket claim made since, deletes the old keys, and a second run finds nothing', async () => {
    const creator = randomUUID();
    const stranger = randomUUID();
    // 2,500 people as an older intake claimed them (`<lead>/<creator>`), one as its worker repaired it (lead alone).
    const people = Array.from({ length: 2_500 }, (_, index) => ({ email: `person-${index}@example.com`, leadId: newTimeOrderedUuid() }));
    const old = redis.pipeline();
    for (const person of people) old.set(`${queuePrefix}:identity:${identityKeys({ email: person.email })[0]!}`, `${person.leadId}/${creator}`);
    const repaired = { email: 'repaired@example.com', phone: '+14155550123', leadId: newTimeOrderedUuid() };
    for (const key of identityKeys(repaired)) old.set(`${queuePrefix}:identity:${key}`, repaired.leadId);
    await old.exec();
    // The upgraded intake already claimed person-0 for another lead: that claim stays.
    const [since] = await claims.claim([request('person-0@example.com', stranger, 'keep')]);
    expect(since!.kind).toBe('created');

    const first = await migrate(queuePrefix);
    expect(first.stdout).toContain('2501 moved, 1 already claimed (old key deleted), 0 changed meanwhile');
    const leftOver: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:identity:*:*`, 'COUNT', 10_000);
      cursor = next;
      leftOver.push(...keys.filter((key) => !key.startsWith(`${queuePrefix}:identity:${layout.bucketBits}:`)));
    } while (cursor !== '0');
    expect(leftOver).toEqual([]);

    // Intake now finds the people it knew as duplicates of their leads, with their creators.
    const answers = await claims.claim([
      request('person-1@example.com', creator, 'update'),
      request('person-2@example.com', stranger, 'update'),
      request('person-0@example.com', creator, 'keep'),
      { ...request('repaired@example.com', creator, 'update'), identityKeys: identityKeys({ phone: repaired.phone }) },
    ]);
    expect(answers).toEqual([
      { kind: 'duplicate', leadId: people[1]!.leadId, update: 'allowed' },
      { kind: 'duplicate', leadId: people[2]!.leadId, update: 'check' },
      { kind: 'duplicate', leadId: since!.leadId, update: 'none' },
      // A repaired claim names no creator: PostgreSQL decides.
      { kind: 'duplicate', leadId: repaired.leadId, update: 'check' },
    ]);

    const second = await migrate(queuePrefix);
    expect(second.stdout).toContain('0 moved, 0 already claimed (old key deleted), 0 changed meanwhile');
  });
});
