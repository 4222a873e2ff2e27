import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.ts';
import { createTestSubscriber } from '../support/portal-system.ts';
import { adminRequest, startLeadRelaySystem, startPortalProcess, testAdminToken, type LeadRelaySystem } from '../support/leadrelay-system.ts';

interface Me {
  id: string;
  name: string;
  destinationCount: number;
}

/** Who may use the subscriber API: a subscriber's own key, and nothing else. */
describe('portal: subscriber keys', () => {
  let system: LeadRelaySystem;
  let portal: AppProcess;
  let portalUrl = '';

  beforeAll(async () => {
    system = await startLeadRelaySystem();
    ({ process: portal, url: portalUrl } = await startPortalProcess({ databaseUrl: system.databaseUrl, queuePrefix: system.queuePrefix }));
  });

  afterAll(async () => {
    await portal?.stop();
    await system?.stop();
  });

  const subscriber = (name: string) => createTestSubscriber(system, name);

  function me(key: string | undefined): Promise<Response> {
    return fetch(`${portalUrl}/v1/me`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  }

  it("answers each subscriber with itself, and nobody else's", async () => {
    const acme = await subscriber('Acme CRM');
    const globex = await subscriber('Globex CRM');
    const acmeMe = await me(acme.apiKey);
    expect(acmeMe.status).toBe(200);
    expect(await acmeMe.json()).toMatchObject({ id: acme.id, name: 'Acme CRM', destinationCount: 0 } satisfies Partial<Me>);
    expect(await (await me(globex.apiKey)).json()).toMatchObject({ id: globex.id, name: 'Globex CRM' });
  });

  it('refuses partner keys, admin and operator tokens, no key, a rotated key and a disabled subscriber', async () => {
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: 'Portal partner', slug: 'portal-partner', profile: 'canonical' });
    const operator = await adminRequest<{ token: string }>(system, 'POST', '/v1/operators', { name: 'portal-operator', role: 'owner' });
    for (const key of [partner.body.apiKey, testAdminToken, operator.body.token, undefined, 'lrsub_not-a-key']) {
      const refused = await me(key);
      expect({ key, status: refused.status }).toEqual({ key, status: 401 });
      expect(await refused.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }

    const rotating = await subscriber('Rotating CRM');
    const rotated = await adminRequest<{ apiKey: string }>(system, 'POST', `/v1/subscribers/${rotating.id}/rotate-key`);
    expect((await me(rotating.apiKey)).status).toBe(401);
    expect((await me(rotated.body.apiKey)).status).toBe(200);

    await adminRequest(system, 'POST', `/v1/subscribers/${rotating.id}/disable`);
    const disabled = await me(rotated.body.apiKey);
    expect(disabled.status).toBe(403);
    expect(await disabled.json()).toMatchObject({ error: { code: 'forbidden' } });
    await adminRequest(system, 'POST', `/v1/subscribers/${rotating.id}/enable`);
    expect((await me(rotated.body.apiKey)).status).toBe(200);

    // A subscriber key does not open the admin API either.
    const admin = await fetch(`${system.adminUrl}/v1/subscribers`, { headers: { authorization: `Bearer ${rotated.body.apiKey}` } });
    expect(admin.status).toBe(401);
  });

  it('answers 429 with Retry-After once one address has guessed too often, and still lets a right key in', async () => {
    const kept = await subscriber('Kept CRM');
    let answer: Response | undefined;
    for (let guess = 0; guess < 25; guess += 1) {
      answer = await me(`lrsub_guess-${guess}`);
      if (answer.status === 429) break;
    }
    expect(answer?.status).toBe(429);
    expect(Number(answer?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await me(kept.apiKey)).status).toBe(200);
  });
});
