import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { adminRequest, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { chromiumArgs, chromiumPath } from '../support/chromium.ts';
import { createTestSubscriber, startPortalSystem, type PortalSystem } from '../support/portal-system.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

const artifactsDirectory = join(dirname(fileURLToPath(import.meta.url)), '../artifacts');

const laptop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

interface Delivery {
  id: string;
  status: string;
}

/**
 * The CRM portal driven as a CRM developer would, in a real browser against the real system:
 * sign in with the subscriber key, register a destination to a local receiver, send a test,
 * watch a sandbox partner's lead arrive, make one fail and replay it; and a second CRM that
 * cannot open any of it.
 */
describe('the CRM portal in a real browser', () => {
  let started: PortalSystem;
  let system: LeadRelaySystem;
  let portalUrl = '';
  let browser: Browser;
  let acme: BrowserContext;
  let page: Page;
  const receiver = new WebhookReceiver();
  const offSiteRequests: string[] = [];
  let acmeKey = '';
  let partnerKey = '';
  let destinationPath = '';
  let failedDeliveryId = '';

  beforeAll(async () => {
    started = await startPortalSystem({ ALLOW_PRIVATE_DESTINATIONS: 'true' });
    ({ system, portalUrl } = started);
    await receiver.start();
    acmeKey = (await createTestSubscriber(system, 'Acme CRM')).apiKey;
    const partner = await adminRequest<{ apiKey: string }>(system, 'POST', '/v1/partners', { name: 'Sandbox partner', slug: 'portal-sandbox', profile: 'canonical', sandbox: true });
    expect(partner.status).toBe(201);
    partnerKey = partner.body.apiKey;
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
    acme = await browser.newContext({ viewport: laptop });
    page = await acme.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(portalUrl)) offSiteRequests.push(request.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await receiver.stop();
    await started?.stop();
  });

  async function signIn(target: Page, key: string): Promise<void> {
    await target.goto(`${portalUrl}/`);
    await target.getByLabel('Subscriber key').fill(key);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.waitForURL(`${portalUrl}/destinations`);
  }

  async function submitLead(email: string): Promise<void> {
    const response = await fetch(`${system.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partnerKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email, firstName: 'Portal' }),
    });
    expect(response.status).toBe(202);
  }

  async function deliveries(): Promise<Delivery[]> {
    const destinationId = destinationPath.split('/').pop();
    return (await adminRequest<{ deliveries: Delivery[] }>(system, 'GET', `/v1/deliveries?destinationId=${destinationId}`)).body.deliveries;
  }

  async function screenshots(name: string): Promise<void> {
    await page.setViewportSize(laptop);
    await page.screenshot({ path: join(artifactsDirectory, `portal-${name}-laptop.png`), fullPage: true });
    await page.setViewportSize(phone);
    await page.screenshot({ path: join(artifactsDirectory, `portal-${name}-phone.png`), fullPage: true });
    // Nothing is wider than the phone's screen: the page does not scroll sideways.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(phone.width);
    await page.setViewportSize(laptop);
  }

  it('signs in with the subscriber key and sets an httpOnly, SameSite=Strict session cookie', async () => {
    await page.goto(`${portalUrl}/`);
    await page.getByLabel('Subscriber key').fill('lrsub_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That is not a subscriber key we know').waitFor();
    await screenshots('sign-in');

    await signIn(page, acmeKey);
    await page.getByText('No destination yet').waitFor();
    const [cookie, ...others] = await acme.cookies(portalUrl);
    expect(others).toHaveLength(0);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(await page.evaluate<string>('document.cookie')).toBe('');

    const answer = await page.goto(`${portalUrl}/destinations`);
    const headers = answer!.headers();
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('same-origin');
  });

  it('registers a destination in test mode and shows its weak secret once, with the warning', async () => {
    await page.getByRole('link', { name: 'Register a destination' }).click();
    await page.getByLabel('Name').fill('Acme receiver');
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Signing secret').fill('12345');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/destinations\/[0-9a-f-]{36}$/);
    destinationPath = new URL(page.url()).pathname;
    expect(await page.locator('#shown-secret').textContent()).toBe('12345');
    await page.getByText('weak_secret', { exact: false }).first().waitFor();
    await page.locator('#mode').getByText('test', { exact: true }).waitFor();
    await screenshots('destination');

    // Shown once: the next visit does not show it, though the warning stays, here and in the list.
    await page.reload();
    expect(await page.locator('#shown-secret').count()).toBe(0);
    await page.getByText('Weak secret: weak_secret: the secret has 5 bytes', { exact: false }).waitFor();
    await page.goto(`${portalUrl}/destinations`);
    await page.getByRole('row', { name: /Acme receiver/ }).getByText('Weak secret', { exact: false }).waitFor();
    await page.goto(`${portalUrl}${destinationPath}`);
  });

  it("sends a test and shows the receiver's answer on the page", async () => {
    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.waitForURL(`${portalUrl}${destinationPath}`);
    await page.getByText('Test sent: your receiver answered HTTP 200').waitFor();
    expect(await page.locator('.flash pre').textContent()).toBe('ok');
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers['x-lead-router-signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rotates the secret, showing the new one once, and asks to go live; shows why an operator said no', async () => {
    await page.getByLabel('New secret').fill('');
    await page.getByLabel('at once').check();
    await page.getByRole('button', { name: 'Rotate the secret' }).click();
    await page.getByText('The secret is rotated').waitFor();
    const rotated = await page.locator('#shown-secret').textContent();
    expect(rotated).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(await page.getByText('weak_secret', { exact: false }).count()).toBe(0);
    await page.goto(`${portalUrl}/destinations`);
    expect(await page.getByText('Weak secret', { exact: false }).count()).toBe(0);
    await page.goto(`${portalUrl}${destinationPath}`);

    await page.getByLabel('Description').fill('Acme CRM puts every lead in your pipeline.');
    await page.getByLabel('Partner ID Label').fill('Account ID');
    await page.getByLabel('Partner ID Help').fill('Settings → Account, top right.');
    await page.getByRole('button', { name: 'Ask to go live' }).click();
    await page.getByText('You asked to go live').first().waitFor();
    await page.locator('#mode').getByText('waiting for review').waitFor();

    const destinationId = destinationPath.split('/').pop();
    const rejected = await adminRequest(system, 'POST', `/v1/destinations/${destinationId}/reject`, { reason: 'Use https for live traffic.' });
    expect(rejected.status).toBe(200);
    await page.reload();
    expect(await page.locator('#review-note').textContent()).toContain('Use https for live traffic.');
    // The form keeps what was asked, to change and ask again.
    expect(await page.getByLabel('Partner ID Label').inputValue()).toBe('Account ID');
  });

  it("shows a sandbox partner's lead delivered to the test destination", async () => {
    await submitLead('sandbox-lead@example.com');
    await waitFor(async () => (await deliveries())[0]?.status === 'delivered', { description: 'the sandbox lead delivered' });
    await page.goto(`${portalUrl}/destinations`);
    const row = page.locator('#destinations tbody tr', { hasText: 'Acme receiver' });
    await row.getByText('delivering').waitFor();
    await row.locator('.badge', { hasText: 'delivered' }).waitFor();
    await screenshots('destinations');
  });

  it('shows a failed delivery with every attempt and replays it from its page', async () => {
    receiver.statuses = [500];
    await submitLead('failing-lead@example.com');
    const failed = await waitFor(async () => (await deliveries()).find((delivery) => delivery.status === 'failed'), { description: 'the delivery failed' });
    failedDeliveryId = failed.id;

    await page.goto(`${portalUrl}${destinationPath}/deliveries`);
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=failed/);
    const rows = page.locator('table.deliveries tbody tr');
    expect(await rows.count()).toBe(1);
    await rows.first().getByRole('link').click();
    await page.waitForURL(`${portalUrl}/deliveries/${failedDeliveryId}`);
    await page.locator('#delivery-status').getByText('failed').waitFor();
    const attempts = page.locator('#attempts tbody tr');
    expect(await attempts.count()).toBeGreaterThan(1);
    await attempts.first().getByText('HTTP 500').waitFor();
    expect(await attempts.first().locator('pre').textContent()).toBe('no');
    // The exact request of the last attempt, as the receiver got it.
    const lastSent = page.locator('#sent details[open]');
    expect((await lastSent.locator('.sent-headers').textContent())?.toLowerCase()).toMatch(/^x-lead-router-signature: [0-9a-f]{64}$/m);
    const sentBody = await lastSent.locator('.sent-body').textContent();
    const received = receiver.received.filter((request) => request.body.toString('utf8').includes('failing-lead@example.com'));
    expect(received.length).toBe(await attempts.count());
    expect(sentBody).toBe(received.at(-1)!.body.toString('utf8'));
    await screenshots('failed-delivery');

    receiver.statuses = [200];
    await page.getByRole('button', { name: 'Replay this delivery' }).click();
    await page.getByText('Sent again').waitFor();
    await waitFor(
      async () => {
        await page.reload();
        return (await page.locator('#delivery-status').textContent())?.includes('delivered');
      },
      { description: 'the replayed delivery shown delivered' },
    );
    await page.locator('#attempts tbody tr', { hasText: 'HTTP 200' }).waitFor();
  });

  it('refuses a POST without the CSRF token, or from another origin, with 403', async () => {
    const csrfToken = await page.locator('input[name=_csrf]').first().inputValue();
    const testPath = `${portalUrl}${destinationPath}/test`;
    const withoutToken = await acme.request.post(testPath, { form: {}, headers: { origin: portalUrl }, maxRedirects: 0 });
    expect(withoutToken.status()).toBe(403);
    const wrongToken = await acme.request.post(testPath, { form: { _csrf: `${csrfToken}x` }, headers: { origin: portalUrl }, maxRedirects: 0 });
    expect(wrongToken.status()).toBe(403);
    const otherOrigin = await acme.request.post(testPath, { form: { _csrf: csrfToken }, headers: { origin: 'http://evil.example' }, maxRedirects: 0 });
    expect(otherOrigin.status()).toBe(403);
    const sentBefore = receiver.received.length;
    const allowed = await acme.request.post(testPath, { form: { _csrf: csrfToken }, headers: { origin: portalUrl }, maxRedirects: 0 });
    expect(allowed.status()).toBe(303);
    expect(receiver.received.length).toBe(sentBefore + 1);
  });

  it("does not let a second subscriber's session open the first's destination or delivery pages", async () => {
    const globex = await browser.newContext({ viewport: laptop });
    const globexPage = await globex.newPage();
    await signIn(globexPage, (await createTestSubscriber(system, 'Globex CRM')).apiKey);
    expect(await globexPage.locator('#destinations').count()).toBe(0);
    for (const path of [destinationPath, `${destinationPath}/deliveries`, `/deliveries/${failedDeliveryId}`]) {
      const answer = await globexPage.goto(`${portalUrl}${path}`);
      expect({ path, status: answer?.status() }).toEqual({ path, status: 404 });
      await globexPage.getByRole('heading', { name: 'Not found' }).waitFor();
    }
    // Nor change them: its own valid form token on the first's ids is a 404 too.
    const csrfToken = await globexPage.locator('input[name=_csrf]').first().inputValue();
    for (const path of [`${destinationPath}/test`, `${destinationPath}/rotate-secret`, `/deliveries/${failedDeliveryId}/replay`]) {
      const refused = await globex.request.post(`${portalUrl}${path}`, { form: { _csrf: csrfToken }, headers: { origin: portalUrl }, maxRedirects: 0 });
      expect({ path, status: refused.status() }).toEqual({ path, status: 404 });
    }
    await globex.close();
  });

  it('signs out, after which the pages send the browser to sign in', async () => {
    await page.goto(`${portalUrl}/destinations`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${portalUrl}/`);
    await page.goto(`${portalUrl}${destinationPath}`);
    await page.waitForURL(`${portalUrl}/`);
    expect(offSiteRequests).toEqual([]);
  });
});
