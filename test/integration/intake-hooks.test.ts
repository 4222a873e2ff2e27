import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHotwireRequest } from '@leadrelay/signing';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  alowareCurlBodyText,
  hotwireExampleUsers,
  sovendusConsentText,
  sovendusPostBodyText,
} from '../fixtures/seed-examples.ts';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('partner hooks (GET|POST /v1/hooks/:partnerSlug)', () => {
  let harness: IntakeHarness;

  beforeAll(async () => {
    harness = await createIntakeHarness();
    await harness.startWorker();
  });

  afterAll(async () => {
    await harness?.close();
  });

  describe('hotwire (seed 000)', () => {
    let partner: TestPartner;
    beforeAll(async () => {
      partner = await insertTestPartner(harness.database.url, { slug: 'hotwire', profile: 'hotwire' });
    });

    const post = (body: unknown, query: string) =>
      harness.app.inject({ method: 'POST', url: `/v1/hooks/hotwire?${query}`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const signed = (offsetSeconds = 0, keyParam = 'apiKey') =>
      `${keyParam}=${encodeURIComponent(partner.apiKey)}&sig=${signHotwireRequest(partner.apiKey, partner.secret, Math.floor(Date.now() / 1000) + offsetSeconds)}`;

    it('creates users and answers one responseCodes entry per user, duplicates as USER_NOT_CREATED', async () => {
      const first = await post(hotwireExampleUsers, signed());
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual([
        { email: 'first.last@example.com', responseCodes: 'USER_CREATED' },
        { email: 'first.last2@example.com', responseCodes: 'USER_CREATED' },
      ]);
      const again = await post([hotwireExampleUsers[0], { firstName: 'No', lastName: 'Mail', email: 'nope', gender: 'X' }], signed(-120, 'apikey'));
      expect(again.statusCode).toBe(200);
      const [duplicate, invalid] = again.json();
      expect(duplicate).toEqual({ email: 'first.last@example.com', responseCodes: 'USER_NOT_CREATED' });
      expect(invalid.responseCodes).toBe('USER_NOT_CREATED');
      expect(invalid.reason).toMatch(/email/);
      await waitFor(async () => (await harness.sql.query("SELECT 1 FROM leads WHERE email LIKE 'first.last%'")).rowCount === 2);
    });

    it('refuses a missing, wrong or expired signature with 401 and a JSON reason', async () => {
      for (const query of ['', `apiKey=${partner.apiKey}`, `apiKey=${partner.apiKey}&sig=${'0'.repeat(32)}`, signed(-3600)]) {
        const response = await post(hotwireExampleUsers, query);
        expect(response.statusCode).toBe(401);
        expect(response.json().error.message).toBeTruthy();
      }
    });

    it('answers 400 when the body is empty or not an array of objects', async () => {
      for (const body of [[], {}, [1, 2], 'text']) {
        expect((await post(body, signed())).statusCode).toBe(400);
      }
    });
  });

  describe('sovendus (seed 001)', () => {
    let partner: TestPartner;
    beforeAll(async () => {
      partner = await insertTestPartner(harness.database.url, { slug: 'sovendus', profile: 'sovendus' });
    });

    const basic = () => `Basic ${Buffer.from(`sovendus:${partner.apiKey}`).toString('base64')}`;
    const getQuery = (overrides: Record<string, string> = {}) =>
      new URLSearchParams({
        salutation: 'Frau',
        gender: 'FEMALE',
        firstname: 'Erika',
        lastname: 'Mustermann',
        email: 'erika@example.de',
        newsletter_history_id: '777001',
        compliance_ip: '127.0.0.1',
        compliance_text: base64(sovendusConsentText),
        compliance_timestamp: base64('2023-09-01T11:58:27+02:00'),
        ...overrides,
      }).toString();

    it('stores a GET lead with its decoded consent (umlauts intact) and its Sovendus id; 201 then 200', async () => {
      const created = await harness.app.inject({ method: 'GET', url: `/v1/hooks/sovendus?${getQuery()}`, headers: { authorization: basic() } });
      expect(created.statusCode).toBe(201);
      const { leadId } = created.json();
      const duplicate = await harness.app.inject({ method: 'GET', url: `/v1/hooks/sovendus?${getQuery()}`, headers: { authorization: basic() } });
      expect(duplicate.statusCode).toBe(200);
      expect(duplicate.json()).toMatchObject({ status: 'duplicate', leadId });

      const consent = await waitFor(async () => (await harness.sql.query('SELECT text, ip, given_at FROM consents WHERE lead_id = $1', [leadId])).rows[0]);
      expect(consent.text).toBe(sovendusConsentText);
      expect(consent.ip).toBe('127.0.0.1');
      expect(consent.given_at.toISOString()).toBe('2023-09-01T09:58:27.000Z');
      const external = await harness.sql.query('SELECT external_id FROM external_ids WHERE lead_id = $1', [leadId]);
      expect(external.rows).toEqual([{ external_id: '777001' }]);
      const lead = await harness.sql.query('SELECT gender, salutation FROM leads WHERE id = $1', [leadId]);
      expect(lead.rows[0]).toEqual({ gender: 'female', salutation: 'Frau' });
    });

    it('accepts the seed POST example verbatim with the key in X-API-Key', async () => {
      const response = await harness.app.inject({
        method: 'POST',
        url: '/v1/hooks/sovendus',
        headers: { 'content-type': 'application/json', 'x-api-key': partner.apiKey },
        payload: sovendusPostBodyText,
      });
      expect(response.statusCode).toBe(201);
      const consent = await waitFor(async () => (await harness.sql.query('SELECT text FROM consents WHERE lead_id = $1', [response.json().leadId])).rows[0]);
      expect(consent.text).toBe(sovendusConsentText);
    });

    it('refuses invalid base64 with 400 and stores nothing garbled', async () => {
      const response = await harness.app.inject({
        method: 'GET',
        url: `/v1/hooks/sovendus?${getQuery({ email: 'garbled@example.de', newsletter_history_id: '777002', compliance_text: 'not base64!!' })}`,
        headers: { authorization: basic() },
      });
      expect(response.statusCode).toBe(400);
      expect(JSON.stringify(response.json())).toMatch(/compliance_text/);
      expect((await harness.sql.query("SELECT 1 FROM leads WHERE email = 'garbled@example.de'")).rowCount).toBe(0);
    });

    it('answers 401 with a Basic challenge on missing or wrong credentials', async () => {
      const none = await harness.app.inject({ method: 'GET', url: `/v1/hooks/sovendus?${getQuery()}` });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Basic/);
      const wrong = await harness.app.inject({
        method: 'GET',
        url: `/v1/hooks/sovendus?${getQuery()}`,
        headers: { authorization: `Basic ${Buffer.from('sovendus:wrong').toString('base64')}` },
      });
      expect(wrong.statusCode).toBe(401);
    });

    it('takes the key from a body field when the partner is configured so, and never stores it', async () => {
      const bodyAuth = await insertTestPartner(harness.database.url, {
        slug: 'sovendus-body',
        profile: 'sovendus',
        auth: { scheme: 'body', name: 'token' },
        fieldMap: { first_name: 'firstname' },
      });
      const response = await harness.app.inject({
        method: 'POST',
        url: '/v1/hooks/sovendus-body',
        headers: { 'content-type': 'application/json' },
        payload: { token: bodyAuth.apiKey, first_name: 'Renamed', email: 'body@example.de', sov_id: '900' },
      });
      expect(response.statusCode).toBe(201);
      const leadId = response.json().leadId;
      const stored = await waitFor(async () => (await harness.sql.query('SELECT l.first_name, r.payload FROM leads l JOIN raw_submissions r ON r.lead_id = l.id WHERE l.id = $1', [leadId])).rows[0]);
      expect(stored.first_name).toBe('Renamed');
      expect(JSON.stringify(stored.payload)).not.toContain(bodyAuth.apiKey);
    });
  });

  describe('aloware (seed 002)', () => {
    let partner: TestPartner;
    beforeAll(async () => {
      partner = await insertTestPartner(harness.database.url, { slug: 'aloware', profile: 'aloware' });
    });

    const post = (body: unknown, slug = 'aloware') =>
      harness.app.inject({
        method: 'POST',
        url: `/v1/hooks/${slug}`,
        headers: { 'content-type': 'application/json' },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const curlBody = () => JSON.parse(alowareCurlBodyText.replace('31B1B33D', partner.apiKey)) as Record<string, unknown>;

    it('answers the seed cURL body verbatim with its field errors: its email and birth date are placeholders', async () => {
      const response = await post(alowareCurlBodyText.replace('31B1B33D', partner.apiKey));
      expect(response.statusCode).toBe(400);
      const answer = response.json();
      expect(answer.message).toBe('The given data was invalid.');
      expect(Object.keys(answer.errors).sort()).toEqual(['date_of_birth', 'email']);
    });

    it('creates (201), then answers a duplicate 202 and a force_update 200, keeping unused fields with the lead', async () => {
      const body = { ...curlBody(), email: 'john.doe@aloware.example', date_of_birth: '12/05/1975', force_update: false };
      const created = await post(body);
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ message: 'Contact created.' });
      const duplicate = await post(body);
      expect(duplicate.statusCode).toBe(202);
      expect(duplicate.json()).toEqual({ message: 'Contact created.' });

      const lead = await waitFor(async () => (await harness.sql.query("SELECT * FROM leads WHERE phone = '+18181234567'")).rows[0]);
      expect(lead).toMatchObject({ first_name: 'John', last_name: 'Doe', source: 'Google Ads', zip: '90045', date_of_birth: '1975-12-05', company: 'Aloware' });
      expect(lead.custom).toEqual({ csf1: 'Custom data', csf2: 'Custom data' });
      expect(lead.extra).toMatchObject({ ring_group_id: '1234', sequence_id: '4567', powerdialer_position: 'bottom', distribute_to_ring_group: true });
      expect(JSON.stringify(lead)).not.toContain(partner.apiKey);

      const updated = await post({ ...body, force_update: true, city: 'San Diego' });
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toEqual({ message: 'Contact updated.' });
      await waitFor(async () => (await harness.sql.query("SELECT city FROM leads WHERE id = $1", [lead.id])).rows[0]?.city === 'San Diego', {
        description: 'the update stored',
      });
    });

    it('answers invalid data, bad tokens and malformed JSON in its own shapes', async () => {
      const noPhone = await post({ api_token: partner.apiKey, first_name: 'No Phone' });
      expect(noPhone.statusCode).toBe(400);
      expect(noPhone.json()).toMatchObject({ message: 'The given data was invalid.', errors: { phone_number: [expect.any(String)] } });

      const badToken = await post({ api_token: 'wrong', phone_number: '8185550000' });
      expect(badToken.statusCode).toBe(401);
      expect(badToken.json()).toEqual({ message: 'Unauthenticated.' });

      const malformed = await post('{"api_token":');
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toHaveProperty('message');
      expect(malformed.json()).not.toHaveProperty('error');
    });

    it('answers 429 with Retry-After and the wait in the body past its per-token limit', async () => {
      const limited = await insertTestPartner(harness.database.url, { slug: 'aloware-limited', profile: 'aloware', rateLimitPerMinute: 2 });
      const statuses = [];
      let last;
      for (let index = 0; index < 3; index += 1) {
        last = await post({ api_token: limited.apiKey, phone_number: `818555010${index}` }, 'aloware-limited');
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([201, 201, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(last!.json()).toMatchObject({ message: 'Too Many Attempts.', retry_after: expect.any(Number) });
    });
  });

  it('answers 404 for an unknown partner or a canonical one, and 405 for a method the contract does not use', async () => {
    await insertTestPartner(harness.database.url, { slug: 'plain', profile: 'canonical' });
    expect((await harness.app.inject({ method: 'POST', url: '/v1/hooks/nobody', payload: {} })).statusCode).toBe(404);
    expect((await harness.app.inject({ method: 'POST', url: '/v1/hooks/plain', payload: {} })).statusCode).toBe(404);
    expect((await harness.app.inject({ method: 'GET', url: '/v1/hooks/hotwire' })).statusCode).toBe(405);
  });
});
