import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { QueueRegistry, createRedisConnection, queueNames } from '@leadrelay/queue';
import { adminRequest, startLeadRelaySystem, testAdminToken, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { testRedisUrl } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';
import { chromiumArgs, chromiumPath } from '../support/chromium.ts';

const artifactsDirectory = join(dirname(fileURLToPath(import.meta.url)), '../artifacts');

describe('the Bull dashboard in a real browser', () => {
  let system: LeadRelaySystem;
  let queues: QueueRegistry;
  let connection: ReturnType<typeof createRedisConnection>;
  let userDataDirectory: string;
  let browser: BrowserContext | undefined;
  const failedJobId = 'broken-submission-1';
  /** The failed job page's unlabelled icon buttons, counted on the full dashboard by the test before. */
  let fullDashboardJobButtons = 0;
  const iconButtons = 'button:has(svg):not([aria-label])';

  beforeAll(async () => {
    system = await startLeadRelaySystem();
    connection = createRedisConnection(testRedisUrl, { role: 'producer', connectionName: 'bull-dashboard-test' });
    queues = new QueueRegistry({ connection, prefix: system.queuePrefix });
    userDataDirectory = await mkdtemp(join(tmpdir(), 'leadrelay-chromium-'));
  });

  afterAll(async () => {
    await browser?.close();
    await queues?.close();
    connection?.disconnect();
    await system?.stop();
    if (userDataDirectory) await rm(userDataDirectory, { recursive: true, force: true });
  });

  it('answers 401 with a Basic challenge without credentials or with a wrong password', async () => {
    for (const path of ['/queues', '/queues/api/queues']) {
      const anonymous = await fetch(`${system.adminUrl}${path}`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="LeadRelay"');
    }
    const wrong = await fetch(`${system.adminUrl}/queues`, {
      headers: { authorization: `Basic ${Buffer.from('operator:not-the-admin-token').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="LeadRelay"');
    // The bearer token of the REST API is not a dashboard login.
    const bearer = await fetch(`${system.adminUrl}/queues`, { headers: { authorization: `Bearer ${testAdminToken}` } });
    expect(bearer.status).toBe(401);

    const allowed = await fetch(`${system.adminUrl}/queues/api/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`anyone:${testAdminToken}`).toString('base64')}` },
    });
    expect(allowed.status).toBe(200);
  });

  it('logs in, shows every queue, opens a failed job and shows why it failed', async () => {
    // A persist-lead job the worker can never process: it fails at once, without retries.
    await queues.queue(queueNames.leads).add('persist-lead', { submissionId: 'not-a-uuid' }, { jobId: failedJobId, attempts: 1 });
    const failedReason = await waitFor(
      async () => {
        const job = await queues.queue(queueNames.leads).getJob(failedJobId);
        return job?.failedReason || undefined;
      },
      { description: 'the worker to fail the invalid job' },
    );
    expect(failedReason).toMatch(/^invalid persist-lead payload: /);

    browser = await chromium.launchPersistentContext(userDataDirectory, {
      executablePath: chromiumPath,
      args: chromiumArgs,
      headless: true,
      httpCredentials: { username: 'operator', password: testAdminToken },
      viewport: { width: 1400, height: 1000 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());

    const overview = await page.goto(`${system.adminUrl}/queues`);
    expect(overview?.status()).toBe(200);
    for (const name of Object.values(queueNames)) {
      await page.getByRole('link', { name, exact: true }).first().waitFor();
    }
    await page.screenshot({ path: join(artifactsDirectory, 'bull-dashboard-queues.png'), fullPage: true });

    // As an operator would: the queue, its failed jobs, the job.
    await page.getByRole('link', { name: queueNames.leads, exact: true }).first().click();
    await page.getByRole('link', { name: /^failed/i }).first().click();
    await page.waitForURL(/\/queues\/queue\/leads\?status=failed/);
    await page.getByRole('link', { name: new RegExp(`^${failedJobId}`) }).click();
    await page.waitForURL(new RegExp(`/queues/queue/leads/${failedJobId}(\\?|$)`));
    await page.getByRole('tab', { name: 'Error' }).click();
    const reason = page.getByText('invalid persist-lead payload: ', { exact: false }).first();
    await reason.waitFor();
    expect(await reason.textContent()).toContain(failedReason);
    fullDashboardJobButtons = await page.locator(iconButtons).count();
    expect(fullDashboardJobButtons).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifactsDirectory, 'bull-dashboard-failed-job.png'), fullPage: true });
  });

  it("sends a viewer to the read-only dashboard, which shows the failed job without a button to change it", async () => {
    const viewer = await adminRequest<{ token: string }>(system, 'POST', '/v1/operators', { name: 'dashboard-viewer', role: 'viewer' });
    expect(viewer.status).toBe(201);
    await browser?.close();
    browser = await chromium.launchPersistentContext(userDataDirectory, {
      executablePath: chromiumPath,
      args: chromiumArgs,
      headless: true,
      httpCredentials: { username: 'viewer', password: viewer.body.token },
      viewport: { width: 1400, height: 1000 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${system.adminUrl}/queues/queue/leads/${failedJobId}`);
    await page.waitForURL(new RegExp(`/queues-read-only/queue/leads/${failedJobId}`));
    await page.getByRole('tab', { name: 'Error' }).click();
    await page.getByText('invalid persist-lead payload: ', { exact: false }).first().waitFor();
    // bull-board's job actions (retry, promote, clean, ...) are unlabelled icon buttons: fewer here.
    expect(await page.locator(iconButtons).count()).toBeLessThan(fullDashboardJobButtons);
    await page.screenshot({ path: join(artifactsDirectory, 'bull-dashboard-read-only.png'), fullPage: true });

    // Its API says the same: reads work, a retry is refused, and the job is still failed.
    const basic = `Basic ${Buffer.from(`viewer:${viewer.body.token}`).toString('base64')}`;
    expect((await fetch(`${system.adminUrl}/queues-read-only/api/queues`, { headers: { authorization: basic } })).status).toBe(200);
    const retry = await fetch(`${system.adminUrl}/queues/api/queues/${queueNames.leads}/${failedJobId}/retry`, { method: 'PUT', headers: { authorization: basic } });
    expect(retry.status).toBe(403);
    expect(await (await queues.queue(queueNames.leads).getJob(failedJobId))?.isFailed()).toBe(true);
  });
});
