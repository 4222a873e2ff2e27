import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { QueueRegistry, jobIdFor } from '@leadrelay/queue';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';
import { testRedisUrl } from '../support/test-redis.ts';

interface Attempt {
  number: number;
  statusCode: number | null;
  responseBody: string | null;
  responseBodyRemovedAt: string | null;
}
interface LeadExport {
  rawSubmissions: { id: string; payload: unknown; sha256: string; payloadRemovedAt: string | null }[];
  events: { id: string; document: unknown; documentRemovedAt: string | null }[];
  deliveries: { id: string; status: string; messageId: string; documentSent: unknown; attempts: Attempt[] }[];
}
interface ConsentEvidence {
  submissionId: string;
  text: string | null;
  submissionSha256: string;
  submissionPayloadRemovedAt: string | null;
}

// What the admin API and the dispatcher show and do once the retention sweep has removed a lead's
// raw submissions, the document its deliveries send and the receiver's answers: the whole system.
describe('a lead after the retention sweep', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  const receiver = new WebhookReceiver();
  let leadId: string;
  let destinationId: string;
  let before: LeadExport;
  let consentsBefore: ConsentEvidence[];
  const consent = { text: 'Yes, send me offers by email.', ip: '203.0.113.7', timestamp: '2025-01-31T08:00:00Z' };

  const exportOf = async () => {
    const answer = await adminRequest<LeadExport>(system, 'GET', `/v1/leads/${leadId}/export`);
    expect(answer.status).toBe(200);
    return answer.body;
  };

  beforeAll(async () => {
    await receiver.start();
    // The default retentions; the sweep runs often so the test need not wait ten minutes.
    system = await startLeadRelaySystem({ RETENTION_SWEEP_INTERVAL: '200ms' });
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: 'Acme', slug: 'acme', profile: 'canonical' });
    expect(partner.status).toBe(201);
    const destination = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', { name: 'CRM', url: receiver.url });
    expect(destination.status).toBe(201);
    destinationId = destination.body.id;
    const answer = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner.body.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ret.admin@example.com', firstName: 'Retta', consent }),
    });
    expect(answer.status).toBe(202);
    leadId = ((await answer.json()) as { results: { leadId: string }[] }).results[0]!.leadId;
    before = await waitFor(
      async () => {
        const exported = (await adminRequest<LeadExport>(system, 'GET', `/v1/leads/${leadId}/export`)).body;
        return exported.deliveries?.[0]?.status === 'delivered' ? exported : undefined;
      },
      { description: 'the lead stored and delivered' },
    );
    consentsBefore = (await adminRequest<{ consents: ConsentEvidence[] }>(system, 'GET', `/v1/leads/${leadId}/consents`)).body.consents;
    expect(consentsBefore).toHaveLength(1);

    // Time passes: the submission is past 90 days, the event and its attempt past 30.
    await sql.query(`UPDATE raw_submissions SET received_at = received_at - interval '91 days' WHERE lead_id = $1`, [leadId]);
    await sql.query(`UPDATE events SET created_at = created_at - interval '31 days' WHERE lead_id = $1`, [leadId]);
    await sql.query(
      `UPDATE delivery_attempts a SET started_at = started_at - interval '31 days' FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE a.delivery_id = d.id AND e.lead_id = $1`,
      [leadId],
    );
    await waitFor(
      async () => {
        const exported = await exportOf();
        return (
          exported.rawSubmissions.every((submission) => submission.payloadRemovedAt) &&
          exported.events.every((event) => event.documentRemovedAt) &&
          exported.deliveries.every((delivery) => delivery.attempts.every((attempt) => attempt.responseBodyRemovedAt))
        );
      },
      { timeoutMs: 30_000, description: "the worker's sweep to remove the lead's content" },
    );
  });

  afterAll(async () => {
    await sql?.end();
    await system?.stop();
    await receiver.stop();
  });

  it('still exports the lead, saying what retention removed and when, with each submission digest as before', async () => {
    const after = await exportOf();
    expect(after.rawSubmissions).toHaveLength(before.rawSubmissions.length);
    for (const [index, submission] of after.rawSubmissions.entries()) {
      expect(submission).toMatchObject({ id: before.rawSubmissions[index]!.id, payload: null, sha256: before.rawSubmissions[index]!.sha256 });
      expect(Date.parse(submission.payloadRemovedAt!)).not.toBeNaN();
    }
    expect(after.events.map((event) => event.document)).toEqual(after.events.map(() => null));
    const [delivery] = after.deliveries;
    // The delivery's metadata stays; its body and the receiver's answer are gone.
    expect(delivery).toMatchObject({ id: before.deliveries[0]!.id, status: 'delivered', documentSent: null });
    expect(delivery!.attempts.map((attempt) => [attempt.number, attempt.statusCode, attempt.responseBody])).toEqual([[1, 200, null]]);
  });

  it('keeps each consent with the SHA-256 of the submission it came in, recorded when its payload was removed', async () => {
    const answer = await adminRequest<{ consents: ConsentEvidence[] }>(system, 'GET', `/v1/leads/${leadId}/consents`);
    expect(answer.status).toBe(200);
    expect(answer.body.consents).toEqual([
      expect.objectContaining({ submissionId: consentsBefore[0]!.submissionId, text: consent.text, submissionSha256: consentsBefore[0]!.submissionSha256 }),
    ]);
    expect(consentsBefore[0]!.submissionPayloadRemovedAt).toBeNull();
    expect(Date.parse(answer.body.consents[0]!.submissionPayloadRemovedAt!)).not.toBeNaN();
  });

  it('refuses to replay a delivery whose document was removed (409 content_expired), and leaves it as it was', async () => {
    const deliveryId = before.deliveries[0]!.id;
    const received = receiver.received.length;
    const answer = await adminRequest<{ error: { code: string; message: string } }>(system, 'POST', `/v1/deliveries/${deliveryId}/replay`);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('content_expired');
    expect(answer.body.error.message).toContain('RETENTION_DELIVERY_CONTENT');
    const { rows } = await sql.query<{ status: string }>('SELECT status::text FROM deliveries WHERE id = $1', [deliveryId]);
    expect(rows).toEqual([{ status: 'delivered' }]);

    // Replaying the destination leaves it out too, even once it is failed.
    await sql.query(`UPDATE deliveries SET status = 'failed' WHERE id = $1`, [deliveryId]);
    const replayed = await adminRequest<{ replayed: number; contentExpired: number }>(system, 'POST', `/v1/destinations/${destinationId}/replay`, {
      since: new Date(0).toISOString(),
    });
    expect(replayed).toEqual({ status: 202, body: { replayed: 0, contentExpired: 1 } });
    expect(receiver.received.length).toBe(received);
  });

  it('fails a delivery whose document is gone when a job still comes for it, and sends nothing', async () => {
    // As if a replay had raced the sweep: the delivery pending with a job, its document removed.
    const deliveryId = before.deliveries[0]!.id;
    const received = receiver.received.length;
    await sql.query(`UPDATE deliveries SET status = 'pending' WHERE id = $1`, [deliveryId]);
    const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    const queues = new QueueRegistry({ connection: redis, prefix: system.queuePrefix });
    try {
      await queues.enqueue('deliver', { deliveryId }, { jobId: jobIdFor('delivery', `${deliveryId}-retention-test`) });
      const { rows } = await waitFor(
        async () => {
          const result = await sql.query<{ status: string; last_error: string | null }>('SELECT status::text, last_error FROM deliveries WHERE id = $1', [deliveryId]);
          return result.rows[0]?.status === 'failed' ? result : undefined;
        },
        { description: 'the delivery failed by the dispatcher' },
      );
      expect(rows[0]!.last_error).toMatch(/^content_expired: /);
    } finally {
      await queues.close();
      redis.disconnect();
    }
    expect(receiver.received.length).toBe(received);
  });
});
