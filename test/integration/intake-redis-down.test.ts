import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeHarness, type IntakeHarness } from '../support/intake-harness.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { freePort } from '../support/free-port.ts';

describe('intake while Redis is unreachable', () => {
  let harness: IntakeHarness;
  let partner: TestPartner;

  beforeAll(async () => {
    // Nothing listens on this port: every Redis command fails at once.
    harness = await createIntakeHarness({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    partner = await insertTestPartner(harness.database.url, { slug: 'acme', profile: 'canonical' });
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('answers 503 instead of acknowledging a lead it could not queue', async () => {
    const response = await harness.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      payload: { email: 'ann@example.com' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: { code: 'service_unavailable', message: expect.stringMatching(/retry/) } });
  });

  it('answers 503 on an idempotent request too, and reports not ready', async () => {
    const response = await harness.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json', 'idempotency-key': 'k1' },
      payload: { email: 'ann@example.com' },
    });
    expect(response.statusCode).toBe(503);
    const ready = await harness.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.redis.ok).toBe(false);
  });
});
