import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '@leadrelay/queue';
import { adminRequest, startPortalProcess, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { createTestSubscriber, startPortalSystem, type PortalSystem } from '../support/portal-system.ts';
import { testRedisUrl } from '../support/test-redis.ts';

/**
 * The portal pages' sessions and form safety, over plain HTTP: what the browser test cannot see
 * (Redis contents, a request without Origin) and what it would take long to drive (rotations,
 * the shared failed-login limit).
 */
describe('portal pages: sessions, CSRF and escaping', () => {
  let started: PortalSystem;
  let system: LeadRelaySystem;
  let portalUrl = '';
  let redis: ReturnType<typeof createRedisConnection>;

  beforeAll(async () => {
    started = await startPortalSystem({ ALLOW_PRIVATE_DESTINATIONS: 'true' });
    ({ system, portalUrl } = started);
    redis = createRedisConnection(testRedisUrl, { role: 'client', connectionName: 'portal-sessions-test' });
  });

  afterAll(async () => {
    redis?.disconnect();
    await started?.stop();
  });

  /** A form POST as a browser on the portal's own page sends it (Origin set), redirects not followed. */
  function post(path: string, form: Record<string, string>, { cookie, headers = { origin: portalUrl } }: { cookie?: string; headers?: Record<string, string> } = {}) {
    return fetch(`${portalUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers, ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(form).toString(),
    });
  }

  function get(path: string, cookie?: string) {
    return fetch(`${portalUrl}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  }

  async function signIn(apiKey: string): Promise<{ cookie: string; setCookie: string; token: string }> {
    const answer = await post('/session', { apiKey });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/destinations');
    const setCookie = answer.headers.get('set-cookie') ?? '';
    const cookie = setCookie.split(';')[0]!;
    return { cookie, setCookie, token: cookie.split('=')[1]! };
  }

  async function csrfTokenOf(cookie: string): Promise<string> {
    const page = await get('/destinations', cookie);
    expect(page.status).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    expect(token).toBeDefined();
    return token!;
  }

  it('exchanges the key for an httpOnly, SameSite=Strict cookie whose token Redis keeps only hashed', async () => {
    const acme = await createTestSubscriber(system, 'Acme CRM');
    const { setCookie, cookie, token } = await signIn(acme.apiKey);
    expect(setCookie).toMatch(/^leadrelay_portal_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure');
    expect((await get('/destinations', cookie)).status).toBe(200);
    expect((await get('/', cookie)).headers.get('location')).toBe('/destinations');

    const keys = await redis.keys(`${system.queuePrefix}:portal-session:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(token);
      expect(await redis.get(key)).not.toContain(token);
      expect(await redis.get(key)).not.toContain(acme.apiKey);
    }
  });

  it('ends the session when the key is rotated, when the subscriber is disabled, and on sign-out', async () => {
    const rotating = await createTestSubscriber(system, 'Rotating CRM');
    const first = await signIn(rotating.apiKey);
    const rotated = await adminRequest<{ apiKey: string }>(system, 'POST', `/v1/subscribers/${rotating.id}/rotate-key`);
    const afterRotation = await get('/destinations', first.cookie);
    expect(afterRotation.status).toBe(303);
    expect(afterRotation.headers.get('location')).toBe('/?signed-out=key-changed');
    // Gone for good, even if the key were rotated back: the session was removed.
    expect((await get('/destinations', first.cookie)).headers.get('location')).toBe('/?signed-out=expired');

    const second = await signIn(rotated.body.apiKey);
    await adminRequest(system, 'POST', `/v1/subscribers/${rotating.id}/disable`);
    expect((await get('/destinations', second.cookie)).headers.get('location')).toBe('/?signed-out=disabled');
    const refused = await post('/session', { apiKey: rotated.body.apiKey });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('disabled');
    await adminRequest(system, 'POST', `/v1/subscribers/${rotating.id}/enable`);

    const third = await signIn(rotated.body.apiKey);
    const signedOut = await post('/session/logout', { _csrf: await csrfTokenOf(third.cookie) }, { cookie: third.cookie });
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('set-cookie')).toMatch(/^leadrelay_portal_session=;/);
    expect((await get('/destinations', third.cookie)).status).toBe(303);
  });

  it('refuses a POST without the CSRF token, with a wrong one, or not from the portal (Origin, else Referer)', async () => {
    const { cookie } = await signIn((await createTestSubscriber(system, 'Careful CRM')).apiKey);
    const csrfToken = await csrfTokenOf(cookie);
    const form = { name: 'Careful receiver', url: 'http://127.0.0.1:9/hooks', _csrf: csrfToken };
    for (const [what, body, headers] of [
      ['no token', { ...form, _csrf: '' }, { origin: portalUrl }],
      ['a wrong token', { ...form, _csrf: csrfToken.slice(1) }, { origin: portalUrl }],
      ['another origin', form, { origin: 'https://evil.example' }],
      ['another referer', form, { referer: 'https://evil.example/page' }],
      ['neither origin nor referer', form, {}],
    ] as const) {
      const refused = await post('/destinations', body, { cookie, headers });
      expect({ what, status: refused.status }).toEqual({ what, status: 403 });
      expect(refused.headers.get('content-type')).toContain('text/html');
    }
    const listed = await fetch(`${portalUrl}/destinations`, { headers: { cookie } });
    expect(await listed.text()).toContain('No destination yet');

    const fromReferer = await post('/destinations', form, { cookie, headers: { referer: `${portalUrl}/destinations/new` } });
    expect(fromReferer.status).toBe(303);
    expect(fromReferer.headers.get('location')).toMatch(/^\/destinations\/[0-9a-f-]{36}$/);
    // The sign-in form has no session, but its Origin is checked too.
    expect((await post('/session', { apiKey: 'lrsub_x' }, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
  });

  it('behind a proxy (PORTAL_PUBLIC_URL), takes forms from that origin only, whatever Host the proxy sends', async () => {
    const behindProxy = await startPortalProcess({
      databaseUrl: system.databaseUrl,
      queuePrefix: system.queuePrefix,
      env: { PORTAL_PUBLIC_URL: 'https://portal.example.com/' },
    });
    try {
      const { apiKey } = await createTestSubscriber(system, 'Proxied CRM');
      const signIn = (origin: string) =>
        fetch(`${behindProxy.url}/session`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
          body: new URLSearchParams({ apiKey }).toString(),
        });
      expect((await signIn('https://portal.example.com')).status).toBe(303);
      // The Host the request reached, the public host on plain http, or another site: refused.
      for (const origin of [behindProxy.url, 'http://portal.example.com', 'https://evil.example']) expect({ origin, status: (await signIn(origin)).status }).toEqual({ origin, status: 403 });
    } finally {
      await behindProxy.process.stop();
    }
  });

  it("escapes what a subscriber typed, and names the field of a form it got wrong", async () => {
    const { cookie } = await signIn((await createTestSubscriber(system, 'Escaping CRM')).apiKey);
    const csrfToken = await csrfTokenOf(cookie);
    const created = await post('/destinations', { name: '<img src=x onerror=alert(1)>', url: 'http://127.0.0.1:9/hooks?a=1&b="2"', _csrf: csrfToken }, { cookie });
    const page = await (await get(created.headers.get('location')!, cookie)).text();
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img');
    expect(page).toContain('a=1&amp;b=&quot;2&quot;');

    const invalid = await post('/destinations', { name: 'Bad timeout', url: 'http://127.0.0.1:9/hooks', timeoutMs: '5', secret: 'kept-out-of-the-form', _csrf: csrfToken }, { cookie });
    expect(invalid.status).toBe(303);
    expect(invalid.headers.get('location')).toBe('/destinations/new');
    const form = await (await get('/destinations/new', cookie)).text();
    expect(form).toContain('the form is invalid');
    expect(form).toContain('timeoutMs:');
    // Filled in again as it was sent, but for the secret.
    expect(form).toContain('value="Bad timeout"');
    expect(form).toContain('value="5"');
    expect(form).not.toContain('kept-out-of-the-form');
  });

  it('deletes a destination only with its confirmation box ticked', async () => {
    const { cookie } = await signIn((await createTestSubscriber(system, 'Deleting CRM')).apiKey);
    const csrfToken = await csrfTokenOf(cookie);
    const created = await post('/destinations', { name: 'Short-lived receiver', url: 'http://127.0.0.1:9/hooks', _csrf: csrfToken }, { cookie });
    const path = created.headers.get('location')!;
    const unconfirmed = await post(`${path}/delete`, { _csrf: csrfToken }, { cookie });
    expect(unconfirmed.headers.get('location')).toBe(path);
    expect(await (await get(path, cookie)).text()).toContain('tick the box to confirm the deletion');
    const confirmed = await post(`${path}/delete`, { _csrf: csrfToken, confirm: 'yes' }, { cookie });
    expect(confirmed.headers.get('location')).toBe('/destinations');
    expect((await get(path, cookie)).status).toBe(404);
  });

  it("records the pages' changes in the audit log as the API's, under the subscriber", async () => {
    const crm = await createTestSubscriber(system, 'Audited page CRM');
    const { cookie } = await signIn(crm.apiKey);
    const csrfToken = await csrfTokenOf(cookie);
    const created = await post('/destinations', { name: 'Audited receiver', url: 'http://127.0.0.1:9/hooks', _csrf: csrfToken }, { cookie });
    const id = created.headers.get('location')!.split('/').pop();
    await post(`/destinations/${id}/rotate-secret`, { _csrf: csrfToken, switch: 'now' }, { cookie });
    await post(`/destinations/${id}/edit`, { _csrf: csrfToken, name: 'Audited receiver', url: 'http://127.0.0.1:9/hooks', timeoutMs: '5' }, { cookie });

    const log = await adminRequest<{ entries: { actor: { kind: string; id: string }; action: string; targetId: string | null }[] }>(
      system,
      'GET',
      `/v1/audit-log?actor=${crm.id}`,
    );
    const actor = { kind: 'subscriber', id: crm.id };
    expect(log.body.entries.map((entry) => ({ actor: { kind: entry.actor.kind, id: entry.actor.id }, action: entry.action, targetId: entry.targetId }))).toEqual([
      { actor, action: 'updateDestination', targetId: id },
      { actor, action: 'rotateDestinationSecret', targetId: id },
      // The page answers 303 to the destination it created: that is the entry's target.
      { actor, action: 'createDestination', targetId: id },
    ]);
  });

  it('counts failed sign-ins and failed bearer keys from one address in the same limit', async () => {
    const kept = await createTestSubscriber(system, 'Kept CRM');
    let answer: Response | undefined;
    for (let guess = 0; guess < 25; guess += 1) {
      answer = await fetch(`${portalUrl}/v1/me`, { headers: { authorization: `Bearer lrsub_guess-${guess}` } });
      if (answer.status === 429) break;
    }
    expect(answer?.status).toBe(429);
    const form = await post('/session', { apiKey: 'lrsub_one-more-guess' });
    expect(form.status).toBe(429);
    expect(Number(form.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await form.text()).toContain('too many failed subscriber logins');
    // A right key still signs in.
    expect((await post('/session', { apiKey: kept.apiKey })).status).toBe(303);
  });
});
