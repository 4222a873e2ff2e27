import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.ts';
import { adminRequest, startAdminProcess, testAdminToken } from '../support/leadrelay-system.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys } from '../support/test-redis.ts';

interface Operator {
  id: string;
  name: string;
  role: 'owner' | 'admin' | 'viewer';
  tokenPrefix: string;
  revoked: boolean;
}
type OperatorWithToken = Operator & { token: string };

/** Named operator tokens with roles, against one admin process with its own database and prefix. */
describe('operators and their roles', () => {
  let database: TestDatabase;
  let admin: { process: AppProcess; url: string };
  const queuePrefix = createQueuePrefix();

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await startAdminProcess({ databaseUrl: database.url, queuePrefix });
  });

  afterAll(async () => {
    await admin?.process.stop();
    await database?.drop();
    await deleteRedisKeys(queuePrefix);
  });

  const call = <Body = unknown>(token: string, method: string, path: string, body?: unknown) =>
    adminRequest<Body>({ adminUrl: admin.url }, method, path, body, { token });

  async function createOperator(name: string, role: Operator['role'], token = testAdminToken): Promise<OperatorWithToken> {
    const created = await call<OperatorWithToken>(token, 'POST', '/v1/operators', { name, role });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  const newPartner = () => ({ name: 'Role Leads', slug: `role-${randomUUID().slice(0, 8)}`, profile: 'canonical' });

  it('creates an operator of each role with a token shown once and stored only as a hash', async () => {
    const owner = await createOperator('olivia', 'owner');
    expect(owner).toMatchObject({ name: 'olivia', role: 'owner', revoked: false });
    expect(owner.token).toMatch(/^lrop_[A-Za-z0-9_-]{43}$/);
    expect(owner.token.startsWith(owner.tokenPrefix)).toBe(true);

    // An owner made by an owner operator, not only by the bootstrap token.
    await createOperator('adam', 'admin', owner.token);
    await createOperator('vera', 'viewer', owner.token);

    const listed = await call<{ operators: Record<string, unknown>[] }>(owner.token, 'GET', '/v1/operators');
    expect(listed.status).toBe(200);
    expect(listed.body.operators.map((operator) => [operator.name, operator.role])).toEqual([
      ['olivia', 'owner'],
      ['adam', 'admin'],
      ['vera', 'viewer'],
    ]);
    const listText = JSON.stringify(listed.body);
    expect(listText).not.toContain(owner.token);
    for (const hidden of ['token', 'tokenHash']) expect(listed.body.operators[0]).not.toHaveProperty(hidden);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const rows = await client.query<{ row: string }>('SELECT row_to_json(operators)::text AS row FROM operators');
      for (const { row } of rows.rows) expect(row).not.toContain(owner.token.slice('lrop_'.length));
    } finally {
      await client.end();
    }
  });

  it('refuses a duplicate name and bad input with a clear 4xx, writing nothing', async () => {
    await createOperator('dupe', 'viewer');
    const again = await call<{ error: { code: string } }>(testAdminToken, 'POST', '/v1/operators', { name: 'dupe', role: 'admin' });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    for (const body of [{ name: 'x', role: 'root' }, { name: '   ', role: 'viewer' }, { role: 'viewer' }, { name: 'y', role: 'viewer', token: 'lrop_mine' }]) {
      const refused = await call<{ error: { code: string } }>(testAdminToken, 'POST', '/v1/operators', body);
      expect({ body, status: refused.status, code: refused.body.error.code }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
    const { body } = await call<{ operators: Operator[] }>(testAdminToken, 'GET', '/v1/operators');
    expect(body.operators.filter((operator) => ['x', 'y', '', 'dupe'].includes(operator.name)).map((operator) => operator.role)).toEqual(['viewer']);
  });

  it('lets a viewer read but answers 403 to any change, and keeps /v1/operators for owners', async () => {
    const viewer = await createOperator('reader', 'viewer');
    const adminOperator = await createOperator('changer', 'admin');

    for (const path of ['/v1/partners', '/v1/destinations', '/v1/deliveries', '/v1/stats', '/metrics']) {
      const response = await fetch(`${admin.url}${path}`, { headers: { authorization: `Bearer ${viewer.token}` } });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
    const refused = await call<{ error: { code: string } }>(viewer.token, 'POST', '/v1/partners', newPartner());
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    // Refused before its body is read: even invalid input is a 403, never a 400.
    expect((await call(viewer.token, 'POST', '/v1/destinations', { url: 1 })).status).toBe(403);
    expect((await call(viewer.token, 'POST', '/v1/secrets/reencrypt', {})).status).toBe(403);
    const { body: partners } = await call<{ partners: { slug: string }[] }>(testAdminToken, 'GET', '/v1/partners');
    expect(partners.partners).toEqual([]);

    // An admin changes everything else, but not operators, not even reading them.
    expect((await call(adminOperator.token, 'POST', '/v1/partners', newPartner())).status).toBe(201);
    for (const [method, path, body] of [
      ['GET', '/v1/operators'],
      ['POST', '/v1/operators', { name: 'sneaky', role: 'owner' }],
      ['POST', `/v1/operators/${viewer.id}/rotate`],
      ['POST', `/v1/operators/${viewer.id}/revoke`],
    ] as const) {
      const answer = await call<{ error: { code: string } }>(adminOperator.token, method, path, body);
      expect({ method, path, status: answer.status, code: answer.body.error.code }).toEqual({ method, path, status: 403, code: 'forbidden' });
    }
    expect((await call(viewer.token, 'GET', '/v1/operators')).status).toBe(403);
    const { body } = await call<{ operators: Operator[] }>(testAdminToken, 'GET', '/v1/operators');
    expect(body.operators.map((operator) => operator.name)).not.toContain('sneaky');
  });

  it('rotates a token so that only the new one works, and revokes one so that it gets 401', async () => {
    const operator = await createOperator('rotating', 'admin');
    expect((await call(operator.token, 'GET', '/v1/stats')).status).toBe(200);

    const rotated = await call<OperatorWithToken>(testAdminToken, 'POST', `/v1/operators/${operator.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: operator.id, name: 'rotating', role: 'admin' });
    expect(rotated.body.token).toMatch(/^lrop_/);
    expect(rotated.body.token).not.toBe(operator.token);
    expect(await call(operator.token, 'GET', '/v1/stats')).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await call(rotated.body.token, 'GET', '/v1/stats')).status).toBe(200);

    const revoked = await call<Operator>(testAdminToken, 'POST', `/v1/operators/${operator.id}/revoke`);
    expect(revoked).toMatchObject({ status: 200, body: { id: operator.id, revoked: true } });
    expect(await call(rotated.body.token, 'GET', '/v1/stats')).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    // A revoked operator stays revoked: rotating it would hand out a working token again.
    expect(await call(testAdminToken, 'POST', `/v1/operators/${operator.id}/rotate`)).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    expect((await call(rotated.body.token, 'GET', '/v1/stats')).status).toBe(401);

    const unknown = randomUUID();
    expect((await call(testAdminToken, 'POST', `/v1/operators/${unknown}/rotate`)).status).toBe(404);
    expect((await call(testAdminToken, 'POST', `/v1/operators/${unknown}/revoke`)).status).toBe(404);
    expect((await call(testAdminToken, 'POST', '/v1/operators/not-an-id/revoke')).status).toBe(400);
  });

  it('accepts operator tokens on the Bull dashboard and keeps it read-only for a viewer', async () => {
    const viewer = await createOperator('dash-viewer', 'viewer');
    const adminOperator = await createOperator('dash-admin', 'admin');
    const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`someone:${token}`).toString('base64')}` });

    for (const token of [viewer.token, adminOperator.token]) {
      const page = await fetch(`${admin.url}/queues`, { headers: basic(token) });
      expect(page.status).toBe(200);
      await page.arrayBuffer();
      const queues = await fetch(`${admin.url}/queues/api/queues`, { headers: basic(token) });
      expect(queues.status).toBe(200);
      await queues.arrayBuffer();
    }

    // Retrying a job that does not exist changes nothing, so it shows who reaches the board's handlers.
    const retryPath = '/queues/api/queues/leads/no-such-job/retry';
    const viewerRetry = await fetch(`${admin.url}${retryPath}`, { method: 'PUT', headers: basic(viewer.token) });
    expect(viewerRetry.status).toBe(403);
    expect(await viewerRetry.json()).toMatchObject({ error: { code: 'forbidden' } });
    const viewerPause = await fetch(`${admin.url}/queues/api/queues/pause`, { method: 'PUT', headers: basic(viewer.token) });
    expect(viewerPause.status).toBe(403);
    await viewerPause.arrayBuffer();
    const queues = (await (await fetch(`${admin.url}/queues/api/queues`, { headers: basic(viewer.token) })).json()) as {
      queues: { name: string; isPaused: boolean }[];
    };
    expect(queues.queues.length).toBeGreaterThan(0);
    expect(queues.queues.filter((queue) => queue.isPaused)).toEqual([]);

    const adminRetry = await fetch(`${admin.url}${retryPath}`, { method: 'PUT', headers: basic(adminOperator.token) });
    expect(adminRetry.status).toBe(404);
    await adminRetry.arrayBuffer();

    await call(testAdminToken, 'POST', `/v1/operators/${viewer.id}/revoke`);
    const revoked = await fetch(`${admin.url}/queues`, { headers: basic(viewer.token) });
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toBe('Basic realm="LeadRelay"');
    await revoked.arrayBuffer();
  });
});
