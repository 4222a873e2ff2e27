import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import { QueueRegistry, jobIdFor, queueNames } from '@leadrelay/queue';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { testRedisUrl } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The events queue as the worker fills it (`fan-out-events`, a committed batch's events in one
 * job) and as a worker from before that did (`fan-out-event`, one event each), which may still be
 * in Redis during a rolling upgrade. Events are written straight to the database, as the worker
 * commits them, and their jobs enqueued here.
 */
describe('dispatcher: fan-out jobs of one event and of many', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  let redis: Redis;
  let queues: QueueRegistry;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    system = await startLeadRelaySystem();
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    queues = new QueueRegistry({ connection: redis, prefix: system.queuePrefix });
  });

  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await sql?.end();
    await Promise.all(receivers.map((receiver) => receiver.stop()));
    await system?.stop();
  });

  async function receiver(): Promise<WebhookReceiver> {
    const started = new WebhookReceiver();
    await started.start();
    receivers.push(started);
    return started;
  }

  /** A partner of its own, and destinations that take only its leads. */
  async function partnerWithDestinations(slug: string, urls: string[]): Promise<{ partnerId: string; destinationIds: string[] }> {
    const partner = await adminRequest<{ id: string }>(system, 'POST', '/v1/partners', { name: slug, slug, profile: 'canonical' });
    expect(partner.status).toBe(201);
    const destinationIds: string[] = [];
    for (const url of urls) {
      const created = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', { name: `${slug} ${url}`, url, sources: [slug] });
      expect(created.status).toBe(201);
      destinationIds.push(created.body.id);
    }
    return { partnerId: partner.body.id, destinationIds };
  }

  /** One lead per entry with the given event types, in order; returns the event ids in the order recorded. */
  async function writeEvents(slug: string, partnerId: string, leads: ('created' | 'activity_added')[][]): Promise<{ leadId: string; eventIds: string[] }[]> {
    const written: { leadId: string; eventIds: string[] }[] = [];
    for (const types of leads) {
      const leadId = randomUUID();
      await sql.query(`INSERT INTO leads (id, email, first_name, partner_id, updated_at) VALUES ($1, $2, 'Fan', $3, now())`, [
        leadId,
        `${leadId}@example.com`,
        partnerId,
      ]);
      const eventIds: string[] = [];
      for (const type of types) {
        const eventId = randomUUID();
        const document = { action: type, id: leadId, source: slug, email: `${leadId}@example.com`, first_name: 'Fan', activities: [], created: new Date().toISOString() };
        await sql.query(
          `INSERT INTO events (id, lead_id, type, submission_id, partner_slug, document) VALUES ($1, $2, $3, gen_random_uuid(), $4, $5)`,
          [eventId, leadId, type, slug, JSON.stringify(document)],
        );
        eventIds.push(eventId);
      }
      written.push({ leadId, eventIds });
    }
    return written;
  }

  async function deliveryRows(destinationIds: string[]) {
    return (
      await sql.query<{ event_id: string; destination_id: string; status: string; attempt_count: number; attempts: number }>(
        `SELECT d.event_id::text, d.destination_id::text, d.status::text, d.attempt_count,
                (SELECT count(*)::int FROM delivery_attempts a WHERE a.delivery_id = d.id) AS attempts
         FROM deliveries d WHERE d.destination_id = ANY ($1::uuid[])`,
        [destinationIds],
      )
    ).rows;
  }

  it('sends every delivery of a many-event job once, in event order per lead, also when the events are enqueued again in another grouping', async () => {
    const [first, second] = [await receiver(), await receiver()];
    const { partnerId, destinationIds } = await partnerWithDestinations('many', [first.url, second.url]);
    // 250 leads with one event, 10 with a `created` and an `activity_added` in the same job.
    const leads = await writeEvents('many', partnerId, [
      ...Array.from({ length: 250 }, () => ['created' as const]),
      ...Array.from({ length: 10 }, () => ['created' as const, 'activity_added' as const]),
    ]);
    const eventIds = leads.flatMap((lead) => lead.eventIds);
    await queues.enqueue('fanOutEvents', { eventIds }, { jobId: jobIdFor('eventGroup', randomUUID()) });
    // The same events again, grouped differently, as the outbox sweep may enqueue them after a worker crash.
    await queues.enqueue('fanOutEvents', { eventIds: eventIds.slice(100) }, { jobId: jobIdFor('eventGroup', randomUUID()) });

    await waitFor(async () => (await deliveryRows(destinationIds)).filter((row) => row.status === 'delivered').length === 2 * eventIds.length, {
      timeoutMs: 60_000,
      description: 'every delivery delivered',
    });
    const rows = await deliveryRows(destinationIds);
    expect(rows).toHaveLength(2 * eventIds.length);
    expect(new Set(rows.map((row) => `${row.event_id} ${row.destination_id}`)).size).toBe(2 * eventIds.length);
    expect(rows.every((row) => row.attempt_count === 1 && row.attempts === 1)).toBe(true);
    for (const crm of [first, second]) {
      const messageIds = crm.received.map((webhook) => webhook.headers['x-lead-router-message-id']);
      expect(messageIds).toHaveLength(eventIds.length);
      expect(new Set(messageIds).size).toBe(eventIds.length);
      // Each two-event lead: its `created` arrived before its `activity_added`.
      for (const lead of leads.filter((written) => written.eventIds.length === 2)) {
        const actions = crm.received
          .map((webhook) => JSON.parse(webhook.body.toString()) as { id: string; action: string })
          .filter((document) => document.id === lead.leadId)
          .map((document) => document.action);
        expect(actions).toEqual(['created', 'activity_added']);
      }
    }
  });

  it('still fans out a single-event job enqueued by a worker from before fan-out-events', async () => {
    const crm = await receiver();
    const { partnerId, destinationIds } = await partnerWithDestinations('single', [crm.url]);
    const [lead] = await writeEvents('single', partnerId, [['created']]);
    const eventId = lead!.eventIds[0]!;
    await queues.enqueue('fanOutEvent', { eventId }, { jobId: jobIdFor('event', eventId) });

    await waitFor(() => crm.received.length === 1, { description: 'the delivery' });
    await waitFor(async () => (await deliveryRows(destinationIds))[0]?.status === 'delivered', { description: 'the delivery recorded' });
    expect(await deliveryRows(destinationIds)).toEqual([
      { event_id: eventId, destination_id: destinationIds[0], status: 'delivered', attempt_count: 1, attempts: 1 },
    ]);
    const job = await queues.queue(queueNames.events).getJob(jobIdFor('event', eventId));
    expect(await job?.getState()).toBe('completed');
  });
});
