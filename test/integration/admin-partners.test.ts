import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, startLeadRelaySystem, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { waitFor } from '../support/wait-for.ts';

interface Partner {
  id: string;
  slug: string;
  name: string;
  apiKeyPrefix: string;
  defaultCountry: string | null;
  auth: { scheme: string; name?: string } | null;
  rateLimitPerMinute: number | null;
  leadRole: string;
  siteDomain: string;
  fieldMap: Record<string, string>;
  disabled: boolean;
  disabledAt: string | null;
}
type PartnerWithCredentials = Partner & { apiKey: string; secret: string };

describe('partner lifecycle through the admin API', () => {
  let system: LeadRelaySystem;
  let submitted = 0;

  beforeAll(async () => {
    // A short cache keeps the test quick; it still has to wait for intake to see each change.
    system = await startLeadRelaySystem({ PARTNER_CACHE_TTL: '200ms' });
  });

  afterAll(async () => {
    await system?.stop();
  });

  /** One canonical lead sent to intake with `apiKey`; answers intake's status. */
  async function submitWith(apiKey: string): Promise<number> {
    submitted += 1;
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `lifecycle-${submitted}@example.com` }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  const intakeAnswers = (apiKey: string, status: number) =>
    waitFor(async () => (await submitWith(apiKey)) === status, { description: `intake to answer ${status}` });

  it('creates, changes, disables, enables and rotates a partner, and intake follows each step', async () => {
    const created = await adminRequest<PartnerWithCredentials>(system, 'POST', '/v1/partners', {
      name: 'Lifecycle Leads',
      slug: 'lifecycle',
      profile: 'canonical',
    });
    expect(created.status).toBe(201);
    const { id, apiKey, secret } = created.body;
    expect(apiKey).toMatch(/^lr_/);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKey.startsWith(created.body.apiKeyPrefix)).toBe(true);
    expect(await submitWith(apiKey)).toBe(202);

    // The key and secret are shown once: neither list nor get carries them.
    const listed = await adminRequest<{ partners: Record<string, unknown>[] }>(system, 'GET', '/v1/partners');
    expect(listed.status).toBe(200);
    const inList = listed.body.partners.find((partner) => partner.id === id)!;
    expect(inList).toMatchObject({ slug: 'lifecycle', disabled: false });
    for (const hidden of ['apiKey', 'secret', 'apiKeyHash', 'secretCiphertext']) expect(inList).not.toHaveProperty(hidden);
    const fetched = await adminRequest<Record<string, unknown>>(system, 'GET', `/v1/partners/${id}`);
    expect(fetched.body).toEqual(inList);

    const patched = await adminRequest<Partner>(system, 'PATCH', `/v1/partners/${id}`, {
      name: 'Lifecycle Leads GmbH',
      fieldMap: { firstname: 'firstName' },
      defaultCountry: 'de',
      auth: { scheme: 'header', name: 'X-Partner-Key' },
      rateLimitPerMinute: 120,
      siteDomain: 'leads.example.com',
      siteLoginUrl: 'https://leads.example.com/leads/{leadId}',
      leadRole: 'Seller',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id,
      slug: 'lifecycle',
      name: 'Lifecycle Leads GmbH',
      fieldMap: { firstname: 'firstName' },
      defaultCountry: 'DE',
      auth: { scheme: 'header', name: 'X-Partner-Key' },
      rateLimitPerMinute: 120,
      siteDomain: 'leads.example.com',
      leadRole: 'Seller',
    });

    // Only what is sent changes; null clears an optional setting.
    const cleared = await adminRequest<Partner>(system, 'PATCH', `/v1/partners/${id}`, {
      defaultCountry: null,
      auth: null,
      rateLimitPerMinute: null,
    });
    expect(cleared.body).toMatchObject({ name: 'Lifecycle Leads GmbH', defaultCountry: null, auth: null, rateLimitPerMinute: null, leadRole: 'Seller' });

    const disabled = await adminRequest<Partner>(system, 'POST', `/v1/partners/${id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect(Date.parse(disabled.body.disabledAt!)).not.toBeNaN();
    await intakeAnswers(apiKey, 403);

    const enabled = await adminRequest<Partner>(system, 'POST', `/v1/partners/${id}/enable`);
    expect(enabled.body).toMatchObject({ disabled: false, disabledAt: null });
    await intakeAnswers(apiKey, 202);

    const rotated = await adminRequest<PartnerWithCredentials>(system, 'POST', `/v1/partners/${id}/rotate-credentials`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.apiKey).toMatch(/^lr_/);
    expect(rotated.body.apiKey).not.toBe(apiKey);
    expect(rotated.body.secret).not.toBe(secret);
    expect(rotated.body.apiKeyPrefix).toBe(rotated.body.apiKey.slice(0, rotated.body.apiKeyPrefix.length));
    await intakeAnswers(apiKey, 401);
    expect(await submitWith(rotated.body.apiKey)).toBe(202);

    const afterRotation = await adminRequest<Partner>(system, 'GET', `/v1/partners/${id}`);
    expect(afterRotation.body.apiKeyPrefix).toBe(rotated.body.apiKeyPrefix);
  });

  it('refuses changes it cannot make with a clear 4xx', async () => {
    const created = await adminRequest<Partner>(system, 'POST', '/v1/partners', { name: 'Fixed', slug: 'fixed', profile: 'hotwire' });
    expect(created.status).toBe(201);

    const duplicateSlug = await adminRequest(system, 'POST', '/v1/partners', { name: 'Again', slug: 'fixed', profile: 'canonical' });
    expect(duplicateSlug.status).toBe(409);

    // Slug and profile are what partners' integrations are built on: never changed.
    const slugChange = await adminRequest(system, 'PATCH', `/v1/partners/${created.body.id}`, { slug: 'moved' });
    expect(slugChange.status).toBe(400);
    expect(slugChange.body).toMatchObject({ error: { code: 'validation_failed' } });
    const badCountry = await adminRequest(system, 'PATCH', `/v1/partners/${created.body.id}`, { defaultCountry: 'Germany' });
    expect(badCountry.status).toBe(400);

    const unknown = randomUUID();
    for (const [method, path, body] of [
      ['GET', `/v1/partners/${unknown}`, undefined],
      ['PATCH', `/v1/partners/${unknown}`, { name: 'Nobody' }],
      ['POST', `/v1/partners/${unknown}/disable`, undefined],
      ['POST', `/v1/partners/${unknown}/enable`, undefined],
      ['POST', `/v1/partners/${unknown}/rotate-credentials`, undefined],
    ] as const) {
      const answer = await adminRequest(system, method, path, body);
      expect({ method, path, status: answer.status, body: answer.body }).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    }
    const notAnId = await adminRequest(system, 'POST', '/v1/partners/not-an-id/disable');
    expect(notAnId.status).toBe(400);
  });
});
