import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClaimLayout, identityKeys, normalizeEmail, normalizePhone } from '@leadrelay/lead';
import { newTimeOrderedUuid } from '@leadrelay/db';
import { createRedisConnection, slotOfKey } from '@leadrelay/queue';
import { IdentityClaims, type ClaimRequest } from '../../apps/intake/src/services/identity-claims.ts';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { PrivateRedisCluster } from '../support/private-redis-cluster.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Intake and the worker on a private 3-primary Redis Cluster: BullMQ's queues under a hash-tagged
 * prefix, identity claims split per slot, and the duplicate decision as exact as on one Redis.
 */
describe('LeadRelay on a Redis Cluster', () => {
  const cluster = new PrivateRedisCluster(3);
  let harness: IntakeHarness;
  let partner: TestPartner;
  let layout: IdentityClaimLayout;
  let redis: Cluster;

  beforeAll(async () => {
    await cluster.start();
    harness = await createIntakeHarness({ REDIS_CLUSTER_NODES: cluster.nodesEnv });
    partner = await insertTestPartner(harness.database.url, { slug: 'acme', profile: 'canonical' });
    await harness.startWorker();
    layout = new IdentityClaimLayout(harness.queuePrefix);
    redis = new Cluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await harness?.close();
    await cluster.destroy();
  });

  const submit = (body: unknown) =>
    harness.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  const slotsOf = (email: string, phone: string) =>
    identityKeys({ email: normalizeEmail(email)!, phone: normalizePhone(phone)! }).map((key) => slotOfKey(layout.slotOf(key).key));

  /** A new person whose email and phone claims live in different slots (and so, mostly, on different nodes). */
  function personAcrossSlots(): { email: string; phone: string } {
    for (;;) {
      const tag = randomBytes(4).toString('hex');
      const email = `split-${tag}@example.com`;
      const phone = `+1415${String(parseInt(tag, 16) % 10_000_000).padStart(7, '0')}`;
      const [emailSlot, phoneSlot] = slotsOf(email, phone);
      if (emailSlot !== phoneSlot) return { email, phone };
    }
  }

  async function storedLeads(email: string): Promise<string[]> {
    return (await harness.sql.query<{ id: string }>('SELECT id FROM leads WHERE email = $1', [normalizeEmail(email)])).rows.map((row) => row.id);
  }

  it('computes the slot of a key as the cluster does', async () => {
    for (const key of ['leadrelay:identity:16:{0a1b}', '{leadrelay}:leads:wait', 'plain-key', 'a{}b', '{}{x}']) {
      expect(slotOfKey(key)).toBe(await redis.cluster('KEYSLOT', key));
    }
  });

  it('gives exactly one "created" to 50 concurrent submissions of one new email, and stores one lead', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => submit({ email: 'Race@Example.com', firstName: 'Race' })));
    const results = responses.map((response) => response.json().results[0]);
    expect(results.filter((result) => result.status === 'created')).toHaveLength(1);
    expect(new Set(results.map((result) => result.leadId)).size).toBe(1);
    await waitFor(async () => (await storedLeads('race@example.com')).length === 1, { description: 'the lead stored' });
    expect(await storedLeads('race@example.com')).toEqual([results[0].leadId]);
  });

  it('gives exactly one "created" to 50 concurrent submissions of one person whose email and phone live in different slots', async () => {
    const person = personAcrossSlots();
    const responses = await Promise.all(Array.from({ length: 50 }, () => submit({ ...person, firstName: 'Split' })));
    const results = responses.map((response) => response.json().results[0]);
    expect(results.filter((result) => result.status === 'created')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'duplicate')).toHaveLength(49);
    expect(new Set(results.map((result) => result.leadId)).size).toBe(1);
    await waitFor(async () => (await storedLeads(person.email)).length === 1, { description: 'the lead stored' });
  });

  it('keeps one person one lead when submissions with both identities race ones with the phone alone', async () => {
    const person = personAcrossSlots();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) => submit(index % 2 === 0 ? { ...person } : { phone: person.phone })),
    );
    const results = responses.map((response) => response.json().results[0]);
    expect(results.filter((result) => result.status === 'created')).toHaveLength(1);
    expect(new Set(results.map((result) => result.leadId)).size).toBe(1);
  });

  it('gives exactly one "created" when five intakes claim one person across slots 50 times at once, whichever identities each names', async () => {
    // Each claim call is its own (no group commit gathers them), as from intakes on different machines.
    const intakes = Array.from({ length: 5 }, () => createRedisConnection({ kind: 'cluster', url: 'redis://', nodes: cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })) }, { role: 'client' }));
    try {
      await waitFor(() => intakes.every((connection) => connection.status === 'ready'), { description: 'the intakes connected' });
      const claimsOf = intakes.map((connection) => new IdentityClaims(connection, layout));
      const person = personAcrossSlots();
      const [emailKey, phoneKey] = identityKeys({ email: normalizeEmail(person.email)!, phone: normalizePhone(person.phone)! });
      const request = (index: number): ClaimRequest => ({
        identityKeys: index % 3 === 0 ? [emailKey!, phoneKey!] : index % 3 === 1 ? [phoneKey!, emailKey!] : [phoneKey!],
        leadId: newTimeOrderedUuid(),
        partnerId: partner.id,
        onDuplicate: 'keep',
        mayChangeAnyLead: false,
      });
      const outcomes = (await Promise.all(Array.from({ length: 50 }, (_, index) => claimsOf[index % 5]!.claim([request(index)])))).flat();
      expect(outcomes.filter((outcome) => outcome.kind === 'created')).toHaveLength(1);
      expect(new Set(outcomes.map((outcome) => outcome.leadId)).size).toBe(1);
    } finally {
      for (const connection of intakes) connection.disconnect();
    }
  });

  it('makes a claim wait while another lead holds a reservation on one of its identities, and ignores one that expired', async () => {
    const claims = new IdentityClaims(redis, layout, { reservationTtlMs: 300 });
    const person = personAcrossSlots();
    const [emailKey, phoneKey] = identityKeys({ email: normalizeEmail(person.email)!, phone: normalizePhone(person.phone)! });
    const phone = layout.slotOf(phoneKey!);
    const holder = layout.encodeOwner(newTimeOrderedUuid(), partner.id);
    const [seconds, microseconds] = await redis.time();
    const redisNowMs = Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
    const reservation = (expiresAtMs: number) => Buffer.concat([holder, Buffer.from(`p${expiresAtMs}`)]);
    const request = (): ClaimRequest => ({ identityKeys: [phoneKey!], leadId: newTimeOrderedUuid(), partnerId: partner.id, onDuplicate: 'keep', mayChangeAnyLead: false });

    // A live reservation (phase 1 of a lead claimed across slots): the claim waits, then gives up rather than decide.
    await redis.hset(phone.key, phone.field, reservation(redisNowMs + 60_000));
    await expect(claims.claim([request()])).rejects.toThrow(/reserved/);
    await expect(claims.claim([{ ...request(), identityKeys: [emailKey!, phoneKey!] }])).rejects.toThrow(/reserved/);
    // The reservation became the claim (phase 2): the same person is now a duplicate of it.
    await redis.hset(phone.key, phone.field, holder);
    expect(await claims.claim([request()])).toEqual([{ kind: 'duplicate', leadId: layout.leadIdAt(holder, 0), update: 'none' }]);
    // A reservation whose intake died (expired) counts as no claim at all.
    await redis.hset(phone.key, phone.field, reservation(redisNowMs - 1));
    const fresh = request();
    expect(await claims.claim([fresh])).toEqual([{ kind: 'created', leadId: fresh.leadId }]);
  });

  it('answers a batch in order: the first of two items for one person is created, the second a duplicate', async () => {
    const person = personAcrossSlots();
    const response = await submit([{ ...person }, { email: person.email }, { phone: person.phone }]);
    const results = response.json().results;
    expect(results.map((result: { status: string }) => result.status)).toEqual(['created', 'duplicate', 'duplicate']);
    expect(new Set(results.map((result: { leadId: string }) => result.leadId)).size).toBe(1);
  });

  it('keeps BullMQ under the hash-tagged prefix and leaves no reservation behind', async () => {
    // KEYS on a cluster answers for one node: ask every primary.
    const queueKeys: string[] = [];
    for (const node of redis.nodes('master')) queueKeys.push(...(await node.keys(`*${harness.queuePrefix}*:leads:*`)));
    expect(queueKeys.length).toBeGreaterThan(0);
    expect(queueKeys.every((key) => key.startsWith(`{${harness.queuePrefix}}:leads:`))).toBe(true);
    let reservations = 0;
    for (const node of redis.nodes('master')) {
      for (const key of await node.keys(`${harness.queuePrefix}:identity:*`)) {
        for (const value of Object.values(await node.hgetallBuffer(key))) if (value.length > 32) reservations += 1;
      }
    }
    expect(reservations).toBe(0);
  });
});
