import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { QueueRegistry, jobCatalog, queueNames } from '@leadrelay/queue';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { findInPostgres, findInRedis } from '../support/personal-data-search.ts';
import { testRedisUrl } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';

interface Erasure {
  id: string;
  status: 'pending' | 'running' | 'completed';
  reason: string;
  requestedBy: string;
  leadIds: string[];
  counts: Record<string, number>;
}

const person = {
  email: 'Erasmo.Forgetti@Example.com',
  normalizedEmail: 'erasmo.forgetti@example.com',
  phone: '+1 (415) 555-0199',
  e164: '+14155550199',
  firstName: 'Erasmo',
  lastName: 'Forgetti',
};
// Everything a search must not find once the person is erased: the names are rare enough to find nothing else.
const needles = [person.normalizedEmail, person.e164, '4155550199', person.firstName, person.lastName];

/**
 * A CRM that answers like many do, echoing the lead's email: at once with 200 (`answer`), or only
 * when told to (`answerAll`), with 500 (`hold`).
 */
class EchoingReceiver {
  #server: Server | undefined;
  #held: (() => void)[] = [];
  url = '';
  constructor(private readonly mode: 'answer' | 'hold') {}
  get heldCount(): number {
    return this.#held.length;
  }
  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const email = /"email":"([^"]*)"/.exec(Buffer.concat(chunks).toString())?.[1] ?? '';
        const status = this.mode === 'answer' ? 200 : 500;
        const answer = () => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ lead: email }));
        if (this.mode === 'answer') answer();
        else this.#held.push(answer);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}/hook`;
  }
  answerAll(): void {
    for (const answer of this.#held.splice(0)) answer();
  }
  async stop(): Promise<void> {
    this.answerAll();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

describe('erasing a person everywhere', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  let redis: Redis;
  let queues: QueueRegistry;
  const receiver = new EchoingReceiver('answer');
  const holding = new EchoingReceiver('hold');
  let apiKey: string;
  let leadId: string;
  let erasure: Erasure;
  let before: Record<string, number>;

  const count = async (query: string) => Number((await sql.query<{ n: string }>(query, [leadId])).rows[0]!.n);
  const submit = async (body: unknown) => {
    const answer = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(202);
    return ((await answer.json()) as { results: { leadId: string; status: string }[] }).results[0]!;
  };
  const waitForCompleted = (id: string) =>
    waitFor(
      async () => {
        const answer = await adminRequest<Erasure>(system, 'GET', `/v1/erasures/${id}`);
        return answer.body.status === 'completed' ? answer.body : undefined;
      },
      { timeoutMs: 30_000, description: `erasure ${id} completed` },
    );

  beforeAll(async () => {
    await receiver.start();
    system = await startLeadRelaySystem({ ERASURE_POLL_INTERVAL: '100ms' });
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    queues = new QueueRegistry({ connection: redis, prefix: system.queuePrefix });
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: 'Acme', slug: 'acme', profile: 'canonical' });
    expect(partner.status).toBe(201);
    apiKey = partner.body.apiKey;
    expect((await adminRequest(system, 'POST', '/v1/destinations', { name: 'CRM', url: receiver.url })).status).toBe(201);
    // A disabled destination: the person's deliveries to it wait (paused), and the erasure must stop them.
    const paused = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', { name: 'Paused CRM', url: `${receiver.url}/paused` });
    expect((await adminRequest(system, 'POST', `/v1/destinations/${paused.body.id}/disable`, {})).status).toBe(200);

    const created = await submit({
      email: person.email,
      phone: person.phone,
      firstName: person.firstName,
      lastName: person.lastName,
      consent: { text: `I, ${person.firstName} ${person.lastName}, agree`, ip: '203.0.113.9', timestamp: '2026-01-02T03:04:05Z' },
      activities: [{ type: 'note', description: `called ${person.firstName}` }],
    });
    leadId = created.leadId;
    expect((await submit({ email: person.email, city: 'Springfield', notes: `prefers ${person.lastName}` })).leadId).toBe(leadId);
    // Another person, who must keep everything.
    await submit({ email: 'someone.else@example.com', firstName: 'Kept' });

    // Each of the person's events (created, activity_added, updated) delivered to the CRM, which
    // answered with the email, and paused for the disabled destination.
    const eventCount = await waitFor(async () => {
      const events = await count('SELECT count(*) AS n FROM events WHERE lead_id = $1');
      const answered = await count(`SELECT count(*) AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN events e ON e.id = d.event_id WHERE e.lead_id = $1 AND a.response_body IS NOT NULL`);
      const paused = await count(`SELECT count(*) AS n FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.lead_id = $1 AND d.status = 'paused'`);
      return events >= 1 && answered === events && paused === events ? events : undefined;
    }, { timeoutMs: 30_000, description: "the person's events delivered, answered and paused" });
    // A job that failed for good and one waiting an hour, both carrying the person: Redis keeps them.
    const leads = queues.queue(queueNames.leads);
    await leads.add(jobCatalog.persistLeads.name, { submissions: [{ lead: { email: person.normalizedEmail, firstName: person.firstName } }] }, { attempts: 1, jobId: 'submissions-broken' });
    await leads.add(jobCatalog.persistLeads.name, { submissions: [{ submissionId: 'x', lead: { email: person.normalizedEmail } }, { submissionId: 'y', lead: { email: 'other@example.com' } }] }, { delay: 3_600_000, jobId: 'submissions-later' });
    await waitFor(async () => (await leads.getJobCounts('failed')).failed === 1, { description: 'the broken job failed' });

    before = {
      leads: 1,
      submissions: await count('SELECT count(*) AS n FROM raw_submissions WHERE lead_id = $1'),
      consents: await count('SELECT count(*) AS n FROM consents WHERE lead_id = $1'),
      activities: await count('SELECT count(*) AS n FROM activities WHERE lead_id = $1'),
      events: await count('SELECT count(*) AS n FROM events WHERE lead_id = $1'),
      deliveries: eventCount,
      attempts: eventCount,
      // The email's and the phone's claims.
      redisKeys: 2,
    };
    expect(before).toMatchObject({ submissions: 2, consents: 1, activities: 1, events: eventCount });
    // Found by the person's data in the jobs: the three intake jobs (one per request, completed) and the two above.
    const withPerson = (await leads.getJobs(['completed', 'failed', 'delayed', 'waiting'])).filter((job) => JSON.stringify(job.data).toLowerCase().includes(person.normalizedEmail));
    before.queuedJobs = withPerson.length;
    expect(before.queuedJobs).toBe(4);
    expect(await findInPostgres(sql, needles)).not.toEqual([]);
  });

  afterAll(async () => {
    await sql?.end();
    await queues?.close();
    redis?.disconnect();
    await system?.stop();
    await receiver.stop();
    await holding.stop();
  });

  it('answers 202 and completes, counting what it removed per kind', async () => {
    const answer = await adminRequest<{ id: string; status: string }>(system, 'POST', '/v1/erasures', { email: `  ${person.email.toUpperCase()} `, reason: 'DSR-1001' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.status).toBe('pending');
    erasure = await waitForCompleted(answer.body.id);
    expect(erasure).toMatchObject({ reason: 'DSR-1001', requestedBy: 'bootstrap', leadIds: [leadId] });
    expect(erasure.counts).toEqual(before);
  });

  it('leaves nothing of the person in any table or any Redis key', async () => {
    expect(await findInPostgres(sql, needles)).toEqual([]);
    expect(await findInRedis(redis, system.queuePrefix, needles)).toEqual([]);
    // The other person is all still there, in PostgreSQL and in the delayed job rewritten without the erased one.
    expect(await findInPostgres(sql, ['someone.else@example.com'])).not.toEqual([]);
    const later = await queues.queue(queueNames.leads).getJob('submissions-later');
    expect((later?.data as { submissions: unknown[] }).submissions).toEqual([{ submissionId: 'y', lead: { email: 'other@example.com' } }]);
  });

  it('keeps a tombstone: the lead id resolves to "erased", its deliveries not made are stopped', async () => {
    const lead = await adminRequest<{ error: { code: string; message: string } }>(system, 'GET', `/v1/leads/${leadId}`);
    expect(lead.status).toBe(410);
    expect(lead.body.error.code).toBe('erased');
    expect(lead.body.error.message).toContain(erasure.id);
    expect((await adminRequest(system, 'GET', `/v1/leads/${leadId}/export`)).status).toBe(410);
    const { rows } = await sql.query<{ partner_id: string; erased_at: Date | null; erasure_id: string }>('SELECT partner_id, erased_at, erasure_id FROM leads WHERE id = $1', [leadId]);
    expect(rows[0]).toMatchObject({ erasure_id: erasure.id });
    expect(rows[0]!.erased_at).toBeInstanceOf(Date);
    const stopped = await sql.query<{ status: string; last_error: string }>(
      `SELECT d.status, d.last_error FROM deliveries d JOIN events e ON e.id = d.event_id JOIN destinations t ON t.id = d.destination_id WHERE e.lead_id = $1 AND t.name = 'Paused CRM'`,
      [leadId],
    );
    expect(stopped.rows.map((row) => row.status)).toEqual(Array.from({ length: before.deliveries! }, () => 'stopped'));
    expect(stopped.rows[0]!.last_error).toMatch(/^erased/);
    // Raw submissions are the stubs retention leaves: the digest stays.
    const stubs = await sql.query<{ payload: unknown; payload_sha256: string | null }>('SELECT payload, payload_sha256 FROM raw_submissions WHERE lead_id = $1', [leadId]);
    expect(stubs.rows.every((row) => row.payload === null && /^[0-9a-f]{64}$/.test(row.payload_sha256 ?? ''))).toBe(true);
  });

  it('is idempotent: asked again, it finds nothing more, and the first keeps its counts', async () => {
    const again = await adminRequest<{ id: string }>(system, 'POST', '/v1/erasures', { email: person.email, phone: person.phone, reason: 'DSR-1001 again' });
    expect(again.status).toBe(202);
    const second = await waitForCompleted(again.body.id);
    expect(Object.values(second.counts).every((value) => value === 0)).toBe(true);
    expect((await adminRequest<Erasure>(system, 'GET', `/v1/erasures/${erasure.id}`)).body.counts).toEqual(before);
  });

  it('refuses a request that names nobody, and an external id without its partner', async () => {
    expect((await adminRequest(system, 'POST', '/v1/erasures', { reason: 'nobody' })).status).toBe(400);
    expect((await adminRequest(system, 'POST', '/v1/erasures', { externalId: '4711', reason: 'no partner' })).status).toBe(400);
    expect((await adminRequest(system, 'POST', '/v1/erasures', { externalId: '4711', partner: 'nope', reason: 'unknown partner' })).status).toBe(404);
    expect((await adminRequest(system, 'POST', '/v1/erasures', { email: 'not an email', reason: 'bad' })).status).toBe(400);
  });

  it('is for owners only: an admin and a viewer operator get 403 and nothing is recorded', async () => {
    const erasuresBefore = Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM erasures')).rows[0]!.n);
    for (const role of ['admin', 'viewer'] as const) {
      const operator = await adminRequest<{ token: string }>(system, 'POST', '/v1/operators', { name: `erasure-${role}`, role });
      expect(operator.status).toBe(201);
      const refused = await adminRequest(system, 'POST', '/v1/erasures', { email: 'someone.else@example.com', reason: 'not mine to ask' }, { token: operator.body.token });
      expect(refused.status).toBe(403);
      expect((await adminRequest(system, 'GET', `/v1/erasures/${erasure.id}`, undefined, { token: operator.body.token })).status).toBe(403);
    }
    expect(Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM erasures')).rows[0]!.n)).toBe(erasuresBefore);
    expect(await findInPostgres(sql, ['someone.else@example.com'])).not.toEqual([]);
  });

  it('keeps a delivery stopped, and its answer unrecorded, when an attempt under way during the erasure ends after it', async () => {
    await holding.start();
    const destination = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', { name: 'Slow CRM', url: holding.url });
    expect(destination.status).toBe(201);
    const late = await submit({ email: 'late.answer@example.com', firstName: 'Latimer' });
    await waitFor(() => holding.heldCount === 1, { timeoutMs: 30_000, description: 'the attempt to the slow CRM under way' });
    const asked = await adminRequest<{ id: string }>(system, 'POST', '/v1/erasures', { email: 'late.answer@example.com', reason: 'DSR-1002' });
    await waitForCompleted(asked.body.id);
    holding.answerAll();
    const row = await waitFor(
      async () =>
        (
          await sql.query<{ status: string; last_error: string; attempts: string; bodies: string }>(
            `SELECT d.status, d.last_error, (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id) AS attempts,
                    (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.response_body IS NOT NULL) AS bodies
             FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.lead_id = $1 AND d.destination_id = $2`,
            [late.leadId, destination.body.id],
          )
        ).rows.find((found) => found.attempts === '1'),
      { description: 'the late attempt recorded' },
    );
    expect(row).toMatchObject({ status: 'stopped', bodies: '0' });
    expect(row.last_error).toMatch(/^erased/);
    expect(await findInPostgres(sql, ['late.answer@example.com', 'Latimer'])).toEqual([]);
  });
});
