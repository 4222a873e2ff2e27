import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { suppressionSetRedisKey } from '@leadrelay/lead';
import { QueueRegistry, queueNames } from '@leadrelay/queue';
import { signHotwireRequest } from '@leadrelay/signing';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { findInPostgres, findInRedis } from '../support/personal-data-search.ts';
import { testRedisUrl } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';

interface Partner {
  apiKey: string;
  secret: string;
  slug: string;
}

const erased = { email: 'gone.forever@example.com', phone: '+1 415 555 0142', e164: '+14155550142', firstName: 'Goneril' };
const listed = { email: 'do.not.call@example.com', phone: '+14155550177' };

// Suppression through the whole system: after an erasure (or an imported do-not-contact list), a
// submission of the person from any partner, in any contract, stores nothing and is answered so
// that the partner does not retry.
describe('a suppressed person submitted again', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  let redis: Redis;
  let queues: QueueRegistry;
  const partners: Record<'canonical' | 'hotwire' | 'sovendus' | 'aloware', Partner> = {} as never;

  const count = async (query: string, values: unknown[] = []) => Number((await sql.query<{ n: string }>(query, values)).rows[0]!.n);
  const canonical = (body: unknown) =>
    fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partners.canonical.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const hook = (profile: 'hotwire' | 'sovendus' | 'aloware', body: unknown, query = '', headers: Record<string, string> = {}) =>
    fetch(`${system.intakeUrl}/v1/hooks/${partners[profile].slug}${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const hotwireQuery = () => `?apiKey=${encodeURIComponent(partners.hotwire.apiKey)}&sig=${signHotwireRequest(partners.hotwire.apiKey, partners.hotwire.secret, Math.floor(Date.now() / 1000))}`;
  const sovendusAuth = () => ({ authorization: `Basic ${Buffer.from(`${partners.sovendus.slug}:${partners.sovendus.apiKey}`).toString('base64')}` });
  /** Everything the leads queue ever took has been handled: nothing waits, nothing runs. */
  const leadsQueueIdle = () =>
    waitFor(async () => {
      const counts = await queues.queue(queueNames.leads).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((value) => value === 0);
    }, { description: 'the leads queue idle' });

  beforeAll(async () => {
    system = await startLeadRelaySystem({ ERASURE_POLL_INTERVAL: '100ms', IDENTITY_CLAIMS_CHECK_INTERVAL: '200ms' });
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    queues = new QueueRegistry({ connection: redis, prefix: system.queuePrefix });
    for (const profile of ['canonical', 'hotwire', 'sovendus', 'aloware'] as const) {
      const created = await adminRequest<Partner>(system, 'POST', '/v1/partners', { name: profile, slug: `${profile}-p`, profile });
      expect(created.status).toBe(201);
      partners[profile] = { ...created.body, slug: `${profile}-p` };
    }
    const first = await canonical({ email: erased.email, phone: erased.phone, firstName: erased.firstName });
    expect(first.status).toBe(202);
    await waitFor(async () => (await count('SELECT count(*) AS n FROM leads WHERE email = $1', [erased.email])) === 1, { description: 'the lead stored' });
    const erasure = await adminRequest<{ id: string }>(system, 'POST', '/v1/erasures', { email: erased.email, reason: 'DSR-suppress' });
    expect(erasure.status).toBe(202);
    await waitFor(async () => (await adminRequest<{ status: string }>(system, 'GET', `/v1/erasures/${erasure.body.id}`)).body.status === 'completed', {
      description: 'the erasure completed',
    });
  });

  afterAll(async () => {
    await sql?.end();
    await queues?.close();
    redis?.disconnect();
    await system?.stop();
  });

  it('is suppressed by email and by phone, as the check says, without the plain values being stored', async () => {
    expect((await adminRequest(system, 'GET', `/v1/suppressions/check?email=${encodeURIComponent(' Gone.Forever@example.com ')}`)).body).toEqual({ suppressed: true, email: true, phone: null });
    // The phone came from the erased lead, not from the request.
    expect((await adminRequest(system, 'GET', `/v1/suppressions/check?phone=${encodeURIComponent('(415) 555-0142')}`)).body).toEqual({ suppressed: true, email: null, phone: true });
    expect((await adminRequest(system, 'GET', '/v1/suppressions/check?email=someone.new@example.com')).body).toEqual({ suppressed: false, email: false, phone: null });
    expect(await findInPostgres(sql, [erased.email, erased.e164, '4155550142'])).toEqual([]);
  });

  it('answers each contract with its refusal, and stores nothing of them, from any partner', async () => {
    const leadsBefore = await count('SELECT count(*) AS n FROM leads');
    const submissionsBefore = await count('SELECT count(*) AS n FROM raw_submissions');

    // canonical: the item rejected with code suppressed; an item of someone else in the same request is accepted.
    const mixed = await canonical([{ email: erased.email.toUpperCase(), firstName: erased.firstName }, { email: 'fresh.person@example.com' }]);
    expect(mixed.status).toBe(202);
    const mixedBody = (await mixed.json()) as { results: Record<string, unknown>[]; counts: Record<string, number> };
    expect(mixedBody.results[0]).toEqual({ index: 0, status: 'rejected', code: 'suppressed', errors: [{ path: '', message: 'the person was erased or is on the do-not-contact list' }] });
    expect(mixedBody.results[1]).toMatchObject({ index: 1, status: 'created' });
    expect(mixedBody.counts).toEqual({ created: 1, duplicate: 0, updated: 0, rejected: 1 });
    const alone = await canonical({ phone: '415-555-0142', firstName: erased.firstName });
    expect(alone.status).toBe(400);
    expect(((await alone.json()) as { results: { code?: string }[] }).results[0]!.code).toBe('suppressed');

    // hotwire (seed 000): USER_NOT_CREATED, with the reason.
    const hotwire = await hook('hotwire', [{ email: erased.email, firstName: erased.firstName, lastName: 'X', gender: 'F' }], hotwireQuery());
    expect(hotwire.status).toBe(200);
    expect(await hotwire.json()).toEqual([{ email: erased.email, responseCodes: 'USER_NOT_CREATED', reason: 'suppressed: the person was erased or is on the do-not-contact list' }]);

    // sovendus (seed 001): a 2xx, since a 4xx makes Sovendus retry ten times.
    const sovendus = await hook('sovendus', { email: erased.email, firstname: erased.firstName, lastname: 'X', newsletter_history_id: '99001' }, '', sovendusAuth());
    expect(sovendus.status).toBe(200);
    expect(await sovendus.json()).toEqual({ status: 'suppressed' });

    // aloware (seed 002): its documented failure, 400 with errors per field.
    const aloware = await hook('aloware', { api_token: partners.aloware.apiKey, phone_number: '4155550142', first_name: erased.firstName });
    expect(aloware.status).toBe(400);
    expect(await aloware.json()).toEqual({ message: 'The given data was invalid.', errors: { contact: ['The contact is on the do-not-contact list.'] } });

    await leadsQueueIdle();
    await waitFor(async () => (await count('SELECT count(*) AS n FROM leads')) === leadsBefore + 1, { description: 'the fresh person stored' });
    expect(await count('SELECT count(*) AS n FROM raw_submissions')).toBe(submissionsBefore + 1);
    expect(await findInPostgres(sql, [erased.email, erased.e164, '4155550142', erased.firstName])).toEqual([]);
    expect(await findInRedis(redis, system.queuePrefix, [erased.email, erased.e164, '4155550142', erased.firstName])).toEqual([]);
  });

  it('is refused by the worker from PostgreSQL when intake cannot tell (Redis lost the copy), and the copy comes back', async () => {
    const setKey = suppressionSetRedisKey(system.queuePrefix);
    const hashes = await redis.smembers(setKey);
    expect(hashes.length).toBeGreaterThanOrEqual(2);
    // The copy lost, its marker kept: intake lets the person through, the worker must not store them.
    await redis.del(setKey);
    const slipped = await canonical({ email: erased.email, firstName: erased.firstName });
    expect(slipped.status).toBe(202);
    expect(((await slipped.json()) as { results: { status: string }[] }).results[0]!.status).toBe('created');
    await leadsQueueIdle();
    expect(await findInPostgres(sql, [erased.email, erased.firstName])).toEqual([]);
    // The completed job keeps nothing of them either.
    expect(await findInRedis(redis, system.queuePrefix, [erased.email, erased.firstName])).toEqual([]);

    // Marker gone too, as after a Redis restart without persistence: the worker reloads the copy.
    await redis.del(`${setKey}:loaded`);
    await waitFor(async () => (await redis.scard(setKey)) === hashes.length, { description: 'the copy reloaded' });
    const refused = await canonical({ email: erased.email });
    expect(((await refused.json()) as { results: { code?: string }[] }).results[0]!.code).toBe('suppressed');
  });

  it('imports a do-not-contact list without erasing anything, all or nothing, and lifts one for owners only', async () => {
    const stored = await canonical({ email: listed.email, firstName: 'Listed' });
    expect(stored.status).toBe(202);
    await waitFor(async () => (await count('SELECT count(*) AS n FROM leads WHERE email = $1', [listed.email])) === 1, { description: 'the listed lead stored' });

    const bad = await adminRequest<{ error: { details: { path: string }[] } }>(system, 'POST', '/v1/suppressions', { emails: [listed.email, 'not-an-email'], phones: [listed.phone] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((detail) => detail.path)).toEqual(['body.emails.1']);
    expect((await adminRequest(system, 'GET', `/v1/suppressions/check?email=${listed.email}`)).body).toMatchObject({ suppressed: false });

    const imported = await adminRequest(system, 'POST', '/v1/suppressions', { emails: [listed.email], phones: [listed.phone] });
    expect(imported).toEqual({ status: 200, body: { added: 2, alreadySuppressed: 0 } });
    expect((await adminRequest(system, 'POST', '/v1/suppressions', { emails: [listed.email] })).body).toEqual({ added: 0, alreadySuppressed: 1 });
    // Nothing erased: the stored lead stays.
    expect(await count('SELECT count(*) AS n FROM leads WHERE email = $1', [listed.email])).toBe(1);
    const refused = await canonical({ email: listed.email });
    expect(((await refused.json()) as { results: { code?: string }[] }).results[0]!.code).toBe('suppressed');

    const viewer = await adminRequest<{ token: string }>(system, 'POST', '/v1/operators', { name: 'supp-viewer', role: 'viewer' });
    const admin = await adminRequest<{ token: string }>(system, 'POST', '/v1/operators', { name: 'supp-admin', role: 'admin' });
    expect((await adminRequest(system, 'POST', '/v1/suppressions', { emails: ['x@example.com'] }, { token: viewer.body.token })).status).toBe(403);
    expect((await adminRequest(system, 'GET', `/v1/suppressions/check?email=${listed.email}`, undefined, { token: viewer.body.token })).status).toBe(200);
    expect((await adminRequest(system, 'DELETE', '/v1/suppressions', { email: listed.email }, { token: admin.body.token })).status).toBe(403);

    expect(await adminRequest(system, 'DELETE', '/v1/suppressions', { email: listed.email })).toEqual({ status: 200, body: { lifted: 1 } });
    expect((await adminRequest(system, 'DELETE', '/v1/suppressions', { email: listed.email })).status).toBe(404);
    expect((await adminRequest(system, 'GET', `/v1/suppressions/check?email=${listed.email}&phone=${listed.phone}`)).body).toEqual({ suppressed: true, email: false, phone: true });
    const again = await canonical({ email: listed.email });
    expect(((await again.json()) as { results: { status: string }[] }).results[0]!.status).toBe('duplicate');
    // The lift is in the audit log, without the email.
    const audit = await adminRequest<{ entries: { action: string; statusCode: number }[] }>(system, 'GET', '/v1/audit-log?action=liftSuppression');
    expect(audit.body.entries.map((entry) => entry.statusCode).sort()).toEqual([200, 403, 404]);
    expect(JSON.stringify(audit.body)).not.toContain(listed.email);
  });
});
