import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import type { PrivateRedis } from '../support/private-redis.ts';
import { PrivateRedisCluster } from '../support/private-redis-cluster.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * REDIS_WAIT_REPLICAS on a Redis Cluster with a replica per primary: intake acknowledges a lead
 * only once the replica of the primary holding the queues' slot has its job, the replica a
 * cluster failover would promote. A replica of another primary does not count either way.
 */
describe('intake on a Redis Cluster with REDIS_WAIT_REPLICAS=1', () => {
  const cluster = new PrivateRedisCluster(3, { replicasPerPrimary: 1 });
  let harness: IntakeHarness;
  let partner: TestPartner;
  let queuePrimaryPort: number;
  let otherPrimaryPort: number;
  let sent = 0;

  beforeAll(async () => {
    await cluster.start();
    harness = await createIntakeHarness({ REDIS_CLUSTER_NODES: cluster.nodesEnv, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT: '300ms' });
    partner = await insertTestPartner(harness.database.url, { slug: 'acme', profile: 'canonical' });
    // The primaries as the cluster itself assigns slots, not as the code under test computes them.
    const probe = new Redis(cluster.nodes[0]!.url);
    try {
      // On a cluster BullMQ's keys are under the hash-tagged prefix (bullmqPrefixOf).
      const queueKey = `{${harness.queuePrefix}}:leads:wait`;
      const slot = await probe.cluster('KEYSLOT', queueKey);
      const ranges = await probe.cluster('SLOTS');
      queuePrimaryPort = ranges.find(([start, end]) => start <= slot && slot <= end)![2]![1];
      otherPrimaryPort = ranges.map((range) => range[2]![1]).find((port) => port !== queuePrimaryPort)!;
    } finally {
      probe.disconnect();
    }
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await cluster.destroy();
  });

  async function submit(): Promise<number> {
    const response = await harness.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ email: `replica-wait-${(sent += 1)}@example.com`, firstName: 'Wait' }),
    });
    return response.statusCode;
  }

  /** Stops the only replica of a primary by pid and waits until the primary counts it gone. */
  async function stopReplicaOf(primaryPort: number): Promise<PrivateRedis> {
    const [replica] = await cluster.replicasOf(primaryPort);
    expect(replica).toBeDefined();
    await replica!.kill('SIGKILL');
    await waitFor(async () => (await cluster.connectedReplicaCount(primaryPort)) === 0, { description: `the primary on ${primaryPort} to lose its replica` });
    return replica!;
  }

  it('acknowledges while the queues\' primary has its replica, refuses without it, and acknowledges again once it is back', async () => {
    expect(await submit()).toBe(202);

    // Another primary without a replica: the queues' primary still has one, so leads are acknowledged.
    await stopReplicaOf(otherPrimaryPort);
    expect(await submit()).toBe(202);

    const replica = await stopReplicaOf(queuePrimaryPort);
    const refused = await submit();
    expect(refused).toBeGreaterThanOrEqual(500);
    expect(refused).toBeLessThan(600);

    await replica.start();
    await waitFor(async () => (await cluster.connectedReplicaCount(queuePrimaryPort)) === 1, {
      timeoutMs: 30_000,
      description: 'the replica back on the queues\' primary',
    });
    await waitFor(async () => (await submit()) === 202, { timeoutMs: 30_000, description: 'intake to acknowledge again' });
  }, 120_000);
});
