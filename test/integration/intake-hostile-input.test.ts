import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { signHotwireRequest } from '@leadrelay/signing';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';

/**
 * Malformed and hostile input thrown at every intake route: the answer is always a 4xx (or a
 * success), never a 5xx, and what is queued is exactly what the answers acknowledged.
 */
describe('intake under hostile input', () => {
  let harness: IntakeHarness;
  const partners: Record<string, TestPartner> = {};
  let acknowledgedJobs = 0;

  beforeAll(async () => {
    harness = await createIntakeHarness();
    for (const profile of ['canonical', 'hotwire', 'sovendus', 'aloware'] as const) {
      partners[profile] = await insertTestPartner(harness.database.url, { slug: `p-${profile}`, profile, rateLimitPerMinute: 1_000_000 });
    }
  });

  afterAll(async () => {
    await harness?.close();
  });

  const leadish = fc.record(
    {
      email: fc.oneof(fc.emailAddress(), fc.string(), fc.constant('  X@Y.ORG '), fc.integer()),
      phone: fc.oneof(fc.string(), fc.constantFrom('+1 818-740-5020', '(808) 123-1234', '0', '+999999999999999999'), fc.double()),
      firstName: fc.oneof(fc.string(), fc.constant(''), fc.constant('\u0000'), fc.string({ maxLength: 300 })),
      gender: fc.oneof(fc.string(), fc.constantFrom('M', 'F', 'MALE', 'Frau', '__proto__', 'constructor')),
      age: fc.oneof(fc.integer(), fc.double(), fc.string()),
      dateOfBirth: fc.oneof(fc.string(), fc.constantFrom('02/30/2001', '1999-13-01', '12/05/1975')),
      custom: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.constant({ __proto__: { polluted: true } })),
      consent: fc.oneof(fc.jsonValue(), fc.record({ text: fc.string(), ip: fc.string(), timestamp: fc.string() })),
      activities: fc.oneof(fc.jsonValue(), fc.array(fc.record({ type: fc.string(), description: fc.string(), createdAt: fc.string() }))),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc.json(),
    fc.string(),
    leadish.map((lead) => JSON.stringify(lead)),
    fc.array(leadish, { maxLength: 5 }).map((leads) => JSON.stringify(leads)),
    fc.constantFrom('', '{', '[', 'null', '{"__proto__":{"x":1}}', '\u0000', '{"a":' + '['.repeat(5000)),
  );
  const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '');

  /** Sends one request, checks it was not a 5xx, and counts the jobs its answer acknowledges. */
  async function send(options: InjectOptions) {
    const response = await harness.app.inject(options);
    expect(response.statusCode, `${options.method} ${options.url} -> ${response.body}`).toBeLessThan(500);
    if (response.statusCode < 300) acknowledgedJobs += acknowledgedItems(response.json(), String(options.url));
    return response;
  }

  it('never answers a 5xx on the canonical routes', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.constantFrom('', '?onDuplicate=update', '?onDuplicate=%00', '?onDuplicate[]=x'), async (payload, type, query) => {
        await send({
          method: 'POST',
          url: `/v1/leads${query}`,
          headers: { authorization: `Bearer ${partners.canonical!.apiKey}`, ...(type ? { 'content-type': type } : {}) },
          payload,
        });
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(body, fc.oneof(fc.uuid(), fc.string()), async (payload, leadId) => {
        await send({
          method: 'POST',
          url: `/v1/leads/${encodeURIComponent(leadId)}/activities`,
          headers: { authorization: `Bearer ${partners.canonical!.apiKey}`, 'content-type': 'application/json' },
          payload,
        });
      }),
      { numRuns: 80 },
    );
  });

  it('never answers a 5xx on the partner hooks', async () => {
    const hotwire = partners.hotwire!;
    const sig = () => signHotwireRequest(hotwire.apiKey, hotwire.secret, Math.floor(Date.now() / 1000));
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (payload, type, signed) => {
        const query = signed ? `apiKey=${hotwire.apiKey}&sig=${sig()}` : `apiKey=${hotwire.apiKey}&sig=x`;
        await send({ method: 'POST', url: `/v1/hooks/p-hotwire?${query}`, headers: type ? { 'content-type': type } : {}, payload });
      }),
      { numRuns: 100 },
    );
    const sovendusAuth = `Basic ${Buffer.from(`p-sovendus:${partners.sovendus!.apiKey}`).toString('base64')}`;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('email', 'firstname', 'newsletter_history_id', 'compliance_text', 'compliance_timestamp', 'compliance_ip', 'gender', 'salutation', 'x'), fc.string()), async (query) => {
        await send({ method: 'GET', url: `/v1/hooks/p-sovendus?${new URLSearchParams(query)}`, headers: { authorization: sovendusAuth } });
      }),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        await send({ method: 'POST', url: '/v1/hooks/p-sovendus', headers: { authorization: sovendusAuth, 'content-type': 'application/json' }, payload });
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(leadish, fc.oneof(fc.string(), fc.constantFrom('8181234567', '+1 818-740-5020')), fc.jsonValue(), async (lead, phone, forceUpdate) => {
        await send({
          method: 'POST',
          url: '/v1/hooks/p-aloware',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ ...lead, api_token: partners.aloware!.apiKey, phone_number: phone, force_update: forceUpdate }),
        });
      }),
      { numRuns: 100 },
    );
  });

  it('queued exactly the leads and activities its answers acknowledged, nothing half-written', async () => {
    const counts = await harness.app.queues.queue('leads').getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
    const queued = Object.values(counts).reduce((sum, count) => sum + count, 0);
    // Some generated input is valid: the check is about what was accepted, not only refusals.
    expect(acknowledgedJobs).toBeGreaterThan(10);
    expect(queued).toBe(acknowledgedJobs);
    expect((await harness.sql.query('SELECT 1 FROM leads')).rowCount).toBe(0);
  });
});

/** How many jobs a successful answer stands for, in each route's answer shape. */
function acknowledgedItems(answer: unknown, url: string): number {
  if (url.includes('/activities')) return 1;
  if (Array.isArray(answer)) return answer.filter((result: { reason?: string }) => result.reason === undefined).length;
  const counts = (answer as { counts?: { created: number; duplicate: number; updated: number } }).counts;
  if (counts) return counts.created + counts.duplicate + counts.updated;
  return 1;
}
