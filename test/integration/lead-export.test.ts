import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { rawSubmissionSha256, serializeLeadDocument, type LeadDocument } from '@leadrelay/lead';
import { signHotwireRequest } from '@leadrelay/signing';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';
import { testRedisUrl } from '../support/test-redis.ts';
import { sovendusConsentText } from '../fixtures/seed-examples.ts';

interface PartnerRef {
  id: string;
  slug: string;
}
interface Consent {
  id: string;
  partner: PartnerRef;
  submissionId: string;
  text: string | null;
  ip: string | null;
  timestampRaw: string | null;
  givenAt: string | null;
  createdAt: string;
}
interface Attempt {
  number: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}
interface LeadExport {
  exportedAt: string;
  lead: { id: string; email: string | null; phone: string | null; firstName: string | null; aliases: string[]; partner: PartnerRef };
  rawSubmissions: { id: string; partner: PartnerRef; route: string; payload: unknown; receivedAt: string; sha256: string }[];
  pendingSubmissions: { id: string; leadId: string; payload: unknown }[];
  consents: Consent[];
  externalIds: { partner: PartnerRef; externalId: string }[];
  activities: { id: string; type: string; description: string; submissionId: string }[];
  events: { id: string; type: string; document: LeadDocument; enqueued: boolean }[];
  deliveries: {
    id: string;
    eventId: string;
    messageId: string;
    status: string;
    destination: { id: string; name: string; url: string };
    documentSent: Record<string, unknown>;
    attempts: Attempt[];
  }[];
}
interface ConsentEvidence extends Consent {
  receivedAt: string;
  route: string;
  submissionSha256: string;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('a lead exported for a data-subject access request, and its consents with their evidence', () => {
  let system: LeadRelaySystem;
  let sql: pg.Client;
  const receiver = new WebhookReceiver();
  const partners: Record<string, { id: string; apiKey: string; secret: string }> = {};
  let destination: { id: string; partnerId: string };
  let janeId: string;
  let janeAliasId: string;
  let maxId: string;
  const janeEmail = 'jane.export@example.com';
  const canonicalConsent = { text: 'Ja, ich möchte Angebote per E-Mail erhalten.', ip: '203.0.113.7', timestamp: '2025-01-31T08:00:00Z' };
  const janeItem = {
    email: janeEmail,
    firstName: 'Jane',
    lastName: 'Export',
    phone: '(808) 555-0142',
    externalId: 'acme-jane',
    consent: canonicalConsent,
    activities: [{ type: 'visited', description: 'Signed up on the landing page' }],
  };
  const maxItem = {
    email: 'max.other@example.de',
    firstName: 'Maximilian',
    externalId: 'other-max',
    consent: { text: 'Max stimmt zu, nur Max.', ip: '198.51.100.99', timestamp: '2024-06-01T10:00:00Z' },
    activities: [{ type: 'called', description: 'Max asked for a call back' }],
  };

  const exportOf = (id: string) => adminRequest<LeadExport>(system, 'GET', `/v1/leads/${id}/export`);
  const consentsOf = (id: string) => adminRequest<{ leadId: string; consents: ConsentEvidence[] }>(system, 'GET', `/v1/leads/${id}/consents`);

  async function intake(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown }): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${system.intakeUrl}${path}`, {
      method: init.method ?? 'POST',
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: response.status, body: await response.json() };
  }
  const canonical = async (slug: string, item: unknown) => {
    const answer = await intake('/v1/leads', { headers: { authorization: `Bearer ${partners[slug]!.apiKey}` }, body: item });
    expect(answer.status).toBe(202);
    return (answer.body as { results: { status: string; leadId: string }[] }).results[0]!;
  };

  async function forgetIdentityClaims(): Promise<void> {
    const redis = new Redis(testRedisUrl);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${system.queuePrefix}:identity:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }

  /** Row counts of Jane's data, by table, straight from PostgreSQL. */
  async function storedCounts(leadId: string): Promise<Record<string, number>> {
    const { rows } = await sql.query<{ table_name: string; count: string }>(
      `SELECT 'leads' AS table_name, count(*) FROM leads WHERE id = $1
       UNION ALL SELECT 'raw_submissions', count(*) FROM raw_submissions WHERE lead_id = $1
       UNION ALL SELECT 'consents', count(*) FROM consents WHERE lead_id = $1
       UNION ALL SELECT 'external_ids', count(*) FROM external_ids WHERE lead_id = $1
       UNION ALL SELECT 'activities', count(*) FROM activities WHERE lead_id = $1
       UNION ALL SELECT 'lead_aliases', count(*) FROM lead_aliases WHERE lead_id = $1
       UNION ALL SELECT 'pending_submissions', count(*) FROM pending_submissions
         WHERE lead_id = $1 OR lead_id IN (SELECT id FROM lead_aliases WHERE lead_id = $1)
       UNION ALL SELECT 'events', count(*) FROM events WHERE lead_id = $1
       UNION ALL SELECT 'outbox_entries', count(*) FROM outbox_entries o JOIN events e ON e.id = o.event_id WHERE e.lead_id = $1
       UNION ALL SELECT 'deliveries', count(*) FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.lead_id = $1
       UNION ALL SELECT 'delivery_attempts', count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
         JOIN events e ON e.id = d.event_id WHERE e.lead_id = $1`,
      [leadId],
    );
    return Object.fromEntries(rows.map((row) => [row.table_name, Number(row.count)]));
  }

  /** The same counts, as the export shows them: one entry per table that holds a lead's data. */
  const exportedCounts = (exported: LeadExport): Record<string, number> => ({
    leads: 1,
    raw_submissions: exported.rawSubmissions.length,
    consents: exported.consents.length,
    external_ids: exported.externalIds.length,
    activities: exported.activities.length,
    lead_aliases: exported.lead.aliases.length,
    pending_submissions: exported.pendingSubmissions.length,
    events: exported.events.length,
    outbox_entries: exported.events.filter((event) => !event.enqueued).length,
    deliveries: exported.deliveries.length,
    delivery_attempts: exported.deliveries.reduce((sum, delivery) => sum + delivery.attempts.length, 0),
  });

  beforeAll(async () => {
    await receiver.start();
    system = await startLeadRelaySystem();
    sql = new pg.Client({ connectionString: system.databaseUrl });
    await sql.connect();
    for (const [slug, profile, extra] of [
      ['acme', 'canonical', {}],
      ['other', 'canonical', {}],
      ['hotwire', 'hotwire', {}],
      ['sovendus', 'sovendus', {}],
      ['aloware', 'aloware', { changeScope: 'any' }],
    ] as const) {
      const created = await adminRequest<{ id: string; apiKey: string; secret: string }>(system, 'POST', '/v1/partners', {
        name: `Partner ${slug}`,
        slug,
        profile,
        ...extra,
      });
      expect(created.status).toBe(201);
      partners[slug] = created.body;
    }
    const registered = await adminRequest<{ id: string }>(system, 'POST', '/v1/destinations', { name: 'CRM', url: receiver.url, partnerId: 'crm-account-7' });
    expect(registered.status).toBe(201);
    destination = { id: registered.body.id, partnerId: 'crm-account-7' };
    // The receiver refuses Jane's first delivery once: its export shows both attempts.
    receiver.statuses = [500, 200];

    // Canonical (with consent, external id and an activity).
    ({ leadId: janeId } = await canonical('acme', janeItem));
    await waitFor(async () => (await storedCounts(janeId)).leads === 1, { description: 'Jane stored' });
    // Lost identity claims: intake answers a new id for Jane, which the worker merges as an alias.
    await forgetIdentityClaims();
    const again = await canonical('acme', { email: janeEmail, firstName: 'Jane' });
    expect(again.status).toBe('created');
    janeAliasId = again.leadId;
    await waitFor(async () => (await storedCounts(janeId)).lead_aliases === 1, { description: "Jane's alias stored" });

    // Sovendus (seed 001) by GET, its consent base64-encoded.
    const sovendus = await intake(
      `/v1/hooks/sovendus?${new URLSearchParams({
        salutation: 'Frau',
        gender: 'FEMALE',
        firstname: 'Jane',
        lastname: 'Export',
        email: janeEmail,
        newsletter_history_id: '880042',
        compliance_ip: '192.0.2.44',
        compliance_text: base64(sovendusConsentText),
        compliance_timestamp: base64('2023-09-01T11:58:27+02:00'),
      })}`,
      { method: 'GET', headers: { authorization: `Basic ${base64(`sovendus:${partners.sovendus!.apiKey}`)}` } },
    );
    expect(sovendus).toMatchObject({ status: 200, body: { status: 'duplicate' } });

    // Hotwire (seed 000).
    const sig = signHotwireRequest(partners.hotwire!.apiKey, partners.hotwire!.secret, Math.floor(Date.now() / 1000));
    const hotwire = await intake(`/v1/hooks/hotwire?apiKey=${encodeURIComponent(partners.hotwire!.apiKey)}&sig=${sig}`, {
      body: [{ firstName: 'Jane', lastName: 'Export', email: janeEmail, source: 'hotwire form', gender: 'F', age: 34 }],
    });
    expect(hotwire).toMatchObject({ status: 200, body: [{ email: janeEmail, responseCodes: 'USER_NOT_CREATED' }] });

    // Aloware (seed 002), trusted with every lead: its force_update changes Jane (an `updated` event).
    const aloware = await intake('/v1/hooks/aloware', {
      body: { api_token: partners.aloware!.apiKey, phone_number: '808-555-0142', email: janeEmail, city: 'Honolulu', force_update: true },
    });
    expect(aloware.status).toBe(200);

    // Activities on Jane from the partner that created her (an `activity_added` event).
    const activities = await intake(`/v1/leads/${janeId}/activities`, {
      headers: { authorization: `Bearer ${partners.acme!.apiKey}` },
      body: { activities: [{ type: 'property_viewed', description: 'Viewed 12 Main St', property: { mls: '123' } }] },
    });
    expect(activities.status).toBe(202);

    // Someone else, from another partner: nothing of Max may appear in Jane's export.
    ({ leadId: maxId } = await canonical('other', maxItem));

    await waitFor(
      async () => {
        const counts = await storedCounts(janeId);
        const { rows } = await sql.query(
          `SELECT d.status FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.lead_id = $1`,
          [janeId],
        );
        return (
          counts.raw_submissions === 6 &&
          counts.events === 3 &&
          rows.length === 3 &&
          rows.every((row) => row.status === 'delivered') &&
          (await storedCounts(maxId)).deliveries === 1
        );
      },
      { description: "Jane's six submissions stored and her three deliveries delivered, and Max's" },
    );
  });

  afterAll(async () => {
    await sql?.end();
    await system?.stop();
    await receiver.stop();
  });

  it('holds every row of every table that refers to a lead, and nothing more', async () => {
    // Tables that hold a lead's data: those with a foreign key to leads, or to such a table, and
    // those naming one by column without a key (pending_submissions' lead_id, outbox_entries'
    // event_id). A new such table fails here until the export (and this test) covers it.
    const { rows: keys } = await sql.query<{ child: string; parent: string }>(
      `SELECT DISTINCT child.relname AS child, parent.relname AS parent
         FROM pg_constraint c
         JOIN pg_class child ON child.oid = c.conrelid
         JOIN pg_class parent ON parent.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = child.relnamespace
        WHERE c.contype = 'f' AND n.nspname = 'public'`,
    );
    const { rows: columns } = await sql.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
    );
    const singular = (table: string) => table.replace(/ies$/, 'y').replace(/s$/, '');
    const holding = new Set(['leads']);
    for (let grown = true; grown; ) {
      grown = false;
      const named = new Set([...holding].map((table) => `${singular(table)}_id`));
      const children = [
        ...keys.filter((key) => holding.has(key.parent)).map((key) => key.child),
        ...columns.filter((column) => named.has(column.column_name)).map((column) => column.table_name),
      ];
      for (const child of children) {
        if (!holding.has(child)) {
          holding.add(child);
          grown = true;
        }
      }
    }
    const exported = await exportOf(janeId);
    expect(exported.status).toBe(200);
    expect(Object.keys(exportedCounts(exported.body)).sort()).toEqual([...holding].sort());

    // One pending activity naming Jane's alias, as the worker leaves one it could not apply yet.
    const pendingId = randomUUID();
    await sql.query(
      `INSERT INTO pending_submissions (id, lead_id, partner_id, payload, received_at) VALUES ($1, $2, $3, $4, now())`,
      [pendingId, janeAliasId, partners.acme!.id, JSON.stringify({ note: 'waiting for its lead' })],
    );
    try {
      const withPending = await exportOf(janeId);
      expect(exportedCounts(withPending.body)).toEqual(await storedCounts(janeId));
      expect(withPending.body.pendingSubmissions).toEqual([
        expect.objectContaining({ id: pendingId, leadId: janeAliasId, partnerId: partners.acme!.id, payload: { note: 'waiting for its lead' } }),
      ]);
    } finally {
      await sql.query('DELETE FROM pending_submissions WHERE id = $1', [pendingId]);
    }
  });

  it('exports the lead, each raw submission as received, consents, activities and external ids', async () => {
    const { status, body } = await exportOf(janeId);
    expect(status).toBe(200);
    expect(body.lead).toMatchObject({ id: janeId, email: janeEmail, phone: '+18085550142', firstName: 'Jane', aliases: [janeAliasId] });
    expect(Date.parse(body.exportedAt)).not.toBeNaN();

    expect(body.rawSubmissions.map((submission) => [submission.partner.slug, submission.route])).toEqual([
      ['acme', 'POST /v1/leads'],
      ['acme', 'POST /v1/leads'],
      ['sovendus', 'GET /v1/hooks/:slug (sovendus)'],
      ['hotwire', 'POST /v1/hooks/:slug (hotwire)'],
      ['aloware', 'POST /v1/hooks/:slug (aloware)'],
      ['acme', 'POST /v1/leads/:leadId/activities'],
    ]);
    expect(body.rawSubmissions[0]!.payload).toEqual(janeItem);
    expect(body.rawSubmissions[2]!.payload).toMatchObject({ newsletter_history_id: '880042', compliance_text: base64(sovendusConsentText) });
    expect(body.rawSubmissions[3]!.payload).toMatchObject({ email: janeEmail, source: 'hotwire form', age: 34 });
    expect(body.rawSubmissions[4]!.payload).toMatchObject({ phone_number: '808-555-0142', city: 'Honolulu' });
    const { rows: stored } = await sql.query<{ id: string; payload: unknown }>('SELECT id, payload FROM raw_submissions WHERE lead_id = $1', [janeId]);
    for (const submission of body.rawSubmissions) {
      const row = stored.find((candidate) => candidate.id === submission.id)!;
      expect(submission.payload).toEqual(row.payload);
      expect(submission.sha256).toBe(rawSubmissionSha256(row.payload));
    }
    // Credentials are never part of what is stored, nor of the export.
    const text = JSON.stringify(body);
    for (const partner of Object.values(partners)) {
      expect(text).not.toContain(partner.apiKey);
      expect(text).not.toContain(partner.secret);
    }

    expect(body.consents.map((consent) => [consent.partner.slug, consent.text, consent.ip, consent.timestampRaw, consent.givenAt])).toEqual([
      ['acme', canonicalConsent.text, '203.0.113.7', '2025-01-31T08:00:00Z', '2025-01-31T08:00:00.000Z'],
      ['sovendus', sovendusConsentText, '192.0.2.44', '2023-09-01T11:58:27+02:00', '2023-09-01T09:58:27.000Z'],
    ]);
    expect(body.externalIds.map((external) => [external.partner.slug, external.externalId]).sort()).toEqual([
      ['acme', 'acme-jane'],
      ['sovendus', '880042'],
    ]);
    expect(body.activities.map((activity) => [activity.type, activity.description])).toEqual([
      ['visited', 'Signed up on the landing page'],
      ['property_viewed', 'Viewed 12 Main St'],
    ]);
  });

  it('exports every delivery with the document sent and each attempt', async () => {
    const { body } = await exportOf(janeId);
    expect(body.events.map((event) => event.type)).toEqual(['created', 'updated', 'activity_added']);
    expect(body.deliveries).toHaveLength(3);
    const janeBodies = receiver.received.filter((request) => JSON.parse(request.body.toString('utf8')).id === janeId);
    for (const delivery of body.deliveries) {
      const event = body.events.find((candidate) => candidate.id === delivery.eventId)!;
      expect(delivery).toMatchObject({ status: 'delivered', destination: { id: destination.id, name: 'CRM', url: receiver.url } });
      // The document as the receiver got it, byte for byte, on every attempt.
      const sentBodies = janeBodies.filter((request) => request.headers['x-lead-router-message-id'] === delivery.messageId);
      expect(sentBodies.length).toBe(delivery.attempts.length);
      for (const sent of sentBodies) expect(JSON.stringify(delivery.documentSent)).toBe(sent.body.toString('utf8'));
      expect(JSON.stringify(delivery.documentSent)).toBe(serializeLeadDocument(event.document, destination.partnerId));
      expect(delivery.documentSent).toMatchObject({ id: janeId, action: event.type, partner_id: destination.partnerId });
      for (const attempt of delivery.attempts) {
        expect(Date.parse(attempt.startedAt)).not.toBeNaN();
        expect(Number.isInteger(attempt.durationMs)).toBe(true);
      }
    }
    const created = body.deliveries.find((delivery) => body.events.find((event) => event.id === delivery.eventId)!.type === 'created')!;
    expect(created.attempts.map((attempt) => [attempt.number, attempt.statusCode, attempt.responseBody])).toEqual([
      [1, 500, 'no'],
      [2, 200, 'ok'],
    ]);
  });

  it("never shows another lead's data", async () => {
    const text = JSON.stringify((await exportOf(janeId)).body);
    for (const value of [maxId, maxItem.email, maxItem.firstName, maxItem.externalId, maxItem.consent.text, maxItem.consent.ip, maxItem.activities[0]!.description]) {
      expect(text).not.toContain(value);
    }
    const max = await exportOf(maxId);
    expect(max.status).toBe(200);
    const maxText = JSON.stringify(max.body);
    for (const value of [janeId, janeAliasId, janeEmail, canonicalConsent.text, sovendusConsentText, '880042']) {
      expect(maxText).not.toContain(value);
    }
    expect(exportedCounts(max.body)).toEqual(await storedCounts(maxId));
  });

  it('lists consents with text, IP, both timestamps, partner, submission, arrival and the hash of that stored submission', async () => {
    const { status, body } = await consentsOf(janeId);
    expect(status).toBe(200);
    expect(body.leadId).toBe(janeId);
    expect(body.consents).toHaveLength(2);
    const exported = (await exportOf(janeId)).body;
    for (const consent of body.consents) {
      const { rows } = await sql.query<{ payload: unknown; received_at: Date; route: string; partner_id: string }>(
        'SELECT payload, received_at, route, partner_id FROM raw_submissions WHERE id = $1',
        [consent.submissionId],
      );
      expect(rows).toHaveLength(1);
      expect(consent.submissionSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(consent.submissionSha256).toBe(rawSubmissionSha256(rows[0]!.payload));
      expect(consent).toMatchObject({ receivedAt: rows[0]!.received_at.toISOString(), route: rows[0]!.route, partner: { id: rows[0]!.partner_id } });
      expect(exported.rawSubmissions.find((submission) => submission.id === consent.submissionId)!.sha256).toBe(consent.submissionSha256);
    }
    expect(body.consents.map(({ partner, text, ip, timestampRaw, givenAt }) => [partner.slug, text, ip, timestampRaw, givenAt])).toEqual([
      ['acme', canonicalConsent.text, '203.0.113.7', '2025-01-31T08:00:00Z', '2025-01-31T08:00:00.000Z'],
      ['sovendus', sovendusConsentText, '192.0.2.44', '2023-09-01T11:58:27+02:00', '2023-09-01T09:58:27.000Z'],
    ]);
    // The canonical consent's payload is the item exactly as sent: the text is in it.
    expect(JSON.stringify(exported.rawSubmissions.find((submission) => submission.id === body.consents[0]!.submissionId)!.payload)).toContain(canonicalConsent.text);

    const maxConsents = await consentsOf(maxId);
    expect(maxConsents.body.consents.map((consent) => consent.text)).toEqual([maxItem.consent.text]);
  });

  it('answers by an alias as by the lead id', async () => {
    const byAlias = await exportOf(janeAliasId);
    expect(byAlias.status).toBe(200);
    expect(byAlias.body.lead.id).toBe(janeId);
    expect((await consentsOf(janeAliasId)).body).toMatchObject({ leadId: janeId, consents: [expect.anything(), expect.anything()] });
  });

  it('answers an unknown id 404 and an invalid one 400 naming the field, in the standard error shape', async () => {
    for (const path of ['export', 'consents']) {
      const unknown = await adminRequest<{ error: { code: string; message: string } }>(system, 'GET', `/v1/leads/${randomUUID()}/${path}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatchObject({ code: 'not_found', message: expect.stringContaining('no lead') });
      const invalid = await adminRequest<{ error: { code: string; details: { path: string }[] } }>(system, 'GET', `/v1/leads/not-a-lead/${path}`);
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('validation_failed');
      expect(invalid.body.error.details).toEqual([expect.objectContaining({ path: 'params.id' })]);
      const anonymous = await fetch(`${system.adminUrl}/v1/leads/${janeId}/${path}`);
      expect(anonymous.status).toBe(401);
    }
  });

  it('keeps the exported personal data out of the admin log', () => {
    const log = system.apps.admin.output.join('');
    expect(log).not.toContain(janeEmail);
    expect(log).not.toContain(sovendusConsentText);
  });
});
