import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.ts';
import { adminRequest, startAdminProcess } from '../support/leadrelay-system.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys } from '../support/test-redis.ts';

interface ErrorAnswer {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** The admin as production runs it: destinations must be public (ALLOW_PRIVATE_DESTINATIONS=false). */
describe('destination registration with private destinations forbidden', () => {
  let database: TestDatabase;
  const queuePrefix = createQueuePrefix();
  let admin: AppProcess;
  let adminUrl = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ process: admin, url: adminUrl } = await startAdminProcess({ databaseUrl: database.url, queuePrefix, env: { ALLOW_PRIVATE_DESTINATIONS: 'false' } }));
  });

  afterAll(async () => {
    await admin?.stop();
    await database?.drop();
    await deleteRedisKeys(queuePrefix);
  });

  // Each reaches this machine: loopback and private space, directly or embedded in an IPv6
  // address (IPv4-compatible, NAT64, IPv4-translated, 6to4), and IANA's special IPv4 ranges.
  const refusedUrls = [
    'http://127.0.0.1:3000/hooks',
    'http://localhost/hooks',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/hooks',
    'http://[::ffff:127.0.0.1]/hooks',
    'http://[::127.0.0.1]',
    'http://[64:ff9b::127.0.0.1]',
    'http://[::ffff:0:127.0.0.1]',
    'http://[2002:7f00:1::1]',
    'http://192.0.0.8',
    'http://198.18.0.1/hooks',
    'http://100.64.0.1/hooks',
  ];

  it.each(refusedUrls)('refuses to register %s, naming the url field', async (url) => {
    const answer = await adminRequest<ErrorAnswer>({ adminUrl }, 'POST', '/v1/destinations', { name: 'Probe', url });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'body.url', message: expect.stringMatching(/non-public address|does not resolve/) }],
    });
  });

  it('refuses to change a registered destination to such a URL, and keeps public ones', async () => {
    const created = await adminRequest<{ id: string; url: string }>({ adminUrl }, 'POST', '/v1/destinations', {
      name: 'Public CRM',
      url: 'https://93.184.216.34/hooks',
    });
    expect(created.status).toBe(201);
    for (const url of ['http://[64:ff9b::127.0.0.1]/hooks', 'http://[2002:7f00:1::1]/hooks', 'http://192.0.0.8/hooks']) {
      const answer = await adminRequest<ErrorAnswer>({ adminUrl }, 'PATCH', `/v1/destinations/${created.body.id}`, { url });
      expect(answer.status, url).toBe(400);
      expect(answer.body.error.details, url).toEqual([{ path: 'body.url', message: expect.stringMatching(/non-public address/) }]);
    }
    const kept = await adminRequest<{ url: string }>({ adminUrl }, 'GET', `/v1/destinations/${created.body.id}`);
    expect(kept.body.url).toBe('https://93.184.216.34/hooks');
  });
  it("keeps a CRM's own secret of 1 to 256 bytes, warning when it is weak, and refuses an empty or longer one", async () => {
    type WithSecret = { id: string; secret: string; warnings: string[] };
    const seedSample = await adminRequest<WithSecret>({ adminUrl }, 'POST', '/v1/destinations', { name: 'Seed sample', url: 'https://93.184.216.34/hooks', secret: '12345' });
    expect(seedSample.status).toBe(201);
    expect(seedSample.body.secret).toBe('12345');
    expect(seedSample.body.warnings).toEqual([expect.stringMatching(/^weak_secret: the secret has 5 bytes/)]);
    // The warning stays on the destination for as long as that secret is in force.
    const shown = await adminRequest<{ secretWarnings: string[] }>({ adminUrl }, 'GET', `/v1/destinations/${seedSample.body.id}`);
    expect(shown.body.secretWarnings).toEqual(seedSample.body.warnings);

    const generated = await adminRequest<WithSecret>({ adminUrl }, 'POST', `/v1/destinations/${seedSample.body.id}/rotate-secret`, {});
    expect(generated.body.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(generated.body.warnings).toEqual([]);
    const listedAfter = await adminRequest<{ destinations: { id: string; secretWarnings: string[] }[] }>({ adminUrl }, 'GET', '/v1/destinations');
    expect(listedAfter.body.destinations.find((destination) => destination.id === seedSample.body.id)?.secretWarnings).toEqual([]);
    const longest = 'é'.repeat(128);
    const rotated = await adminRequest<WithSecret>({ adminUrl }, 'POST', `/v1/destinations/${seedSample.body.id}/rotate-secret`, { secret: longest });
    expect(rotated.body).toMatchObject({ secret: longest, warnings: [] });

    for (const secret of ['', `${longest}x`]) {
      const refused = await adminRequest<ErrorAnswer>({ adminUrl }, 'POST', '/v1/destinations', { name: 'Bad secret', url: 'https://93.184.216.34/hooks', secret });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details).toEqual([{ path: 'body.secret', message: expect.stringMatching(/empty|at most 256 bytes/) }]);
    }
    const listed = await adminRequest<{ destinations: { name: string }[] }>({ adminUrl }, 'GET', '/v1/destinations');
    expect(listed.body.destinations.map((destination) => destination.name)).not.toContain('Bad secret');
  });
});
