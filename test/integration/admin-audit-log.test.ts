import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.ts';
import { adminRequest, startAdminProcess, testAdminToken } from '../support/leadrelay-system.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys } from '../support/test-redis.ts';

interface AuditEntry {
  id: string;
  createdAt: string;
  actor: { kind: string; id: string | null; name: string };
  action: string;
  targetId: string | null;
  ip: string;
  statusCode: number;
}
interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

/** The audit log of changes made through the admin API, against one admin process with its own database. */
describe('the audit log', () => {
  let database: TestDatabase;
  let admin: { process: AppProcess; url: string };
  let adminOperator: { id: string; name: string; token: string };
  let viewer: { id: string; name: string; token: string };
  const queuePrefix = createQueuePrefix();

  const call = <Body = unknown>(token: string, method: string, path: string, body?: unknown) =>
    adminRequest<Body>({ adminUrl: admin.url }, method, path, body, { token });

  async function auditLog(query: Record<string, string> = {}, token = testAdminToken): Promise<AuditPage> {
    const answer = await call<AuditPage>(token, 'GET', `/v1/audit-log?${new URLSearchParams(query)}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  }

  /** Every column of every audit row, as PostgreSQL holds it. */
  async function auditTableText(): Promise<string> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const rows = await client.query<{ row: string }>('SELECT row_to_json(audit_log)::text AS row FROM audit_log');
      return rows.rows.map(({ row }) => row).join('\n');
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await startAdminProcess({ databaseUrl: database.url, queuePrefix });
    adminOperator = (await call<{ id: string; name: string; token: string }>(testAdminToken, 'POST', '/v1/operators', { name: 'audrey', role: 'admin' })).body;
    viewer = (await call<{ id: string; name: string; token: string }>(testAdminToken, 'POST', '/v1/operators', { name: 'victor', role: 'viewer' })).body;
  });

  afterAll(async () => {
    await admin?.process.stop();
    await database?.drop();
    await deleteRedisKeys(queuePrefix);
  });

  it('records a change with its actor, action, target, address and status, as soon as it is answered', async () => {
    const created = await call<{ id: string }>(adminOperator.token, 'POST', '/v1/partners', { name: 'Audited', slug: 'audited', profile: 'canonical' });
    expect(created.status).toBe(201);
    const [latest] = (await auditLog({ limit: '1' })).entries;
    expect(latest).toMatchObject({
      actor: { kind: 'operator', id: adminOperator.id, name: 'audrey' },
      action: 'createPartner',
      targetId: created.body.id,
      ip: '127.0.0.1',
      statusCode: 201,
    });

    const rotated = await call(adminOperator.token, 'POST', `/v1/partners/${created.body.id}/rotate-credentials`);
    expect(rotated.status).toBe(200);
    const [rotation] = (await auditLog({ limit: '1' })).entries;
    expect(rotation).toMatchObject({ action: 'rotatePartnerCredentials', targetId: created.body.id, statusCode: 200, actor: { name: 'audrey' } });

    // The bootstrap token is an actor too; the operators it made are in the log from the start.
    const bootstrapEntries = (await auditLog({ actor: 'bootstrap' })).entries;
    expect(bootstrapEntries.map((entry) => [entry.actor.kind, entry.actor.id, entry.action, entry.targetId])).toEqual([
      ['bootstrap', null, 'createOperator', viewer.id],
      ['bootstrap', null, 'createOperator', adminOperator.id],
    ]);

    // Reads are not changes: none of the GETs above was recorded.
    const all = (await auditLog({ limit: '200' })).entries;
    expect(all.filter((entry) => entry.action.startsWith('list') || entry.action.startsWith('get'))).toEqual([]);
  });

  it('records refused and failed changes with their status, but not requests that never authenticated', async () => {
    const unknownPartner = randomUUID();
    expect((await call(adminOperator.token, 'POST', `/v1/partners/${unknownPartner}/disable`)).status).toBe(404);
    expect((await call(adminOperator.token, 'POST', '/v1/partners', { name: 'No slug', profile: 'canonical' })).status).toBe(400);
    expect((await call(viewer.token, 'POST', `/v1/partners/${unknownPartner}/enable`)).status).toBe(403);
    expect((await call('lrop_not-a-token', 'POST', `/v1/partners/${unknownPartner}/enable`)).status).toBe(401);

    const [forbidden, invalid, missing] = (await auditLog({ limit: '3' })).entries;
    expect(missing).toMatchObject({ action: 'disablePartner', targetId: unknownPartner, statusCode: 404, actor: { name: 'audrey' } });
    expect(invalid).toMatchObject({ action: 'createPartner', targetId: null, statusCode: 400, actor: { name: 'audrey' } });
    expect(forbidden).toMatchObject({ action: 'enablePartner', targetId: unknownPartner, statusCode: 403, actor: { kind: 'operator', id: viewer.id, name: 'victor' } });
    expect((await auditLog({ target: unknownPartner })).entries.map((entry) => entry.statusCode)).toEqual([403, 404]);
  });

  it('records the Bull dashboard changes too, with the queue and job as target', async () => {
    const basic = `Basic ${Buffer.from(`someone:${adminOperator.token}`).toString('base64')}`;
    const retry = await fetch(`${admin.url}/queues/api/queues/leads/no-such-job/retry`, { method: 'PUT', headers: { authorization: basic } });
    expect(retry.status).toBe(404);
    await retry.arrayBuffer();
    const [entry] = (await auditLog({ limit: '1' })).entries;
    expect(entry).toMatchObject({
      action: 'PUT /queues/api/queues/:queueName/:jobId/retry',
      targetId: 'leads/no-such-job',
      statusCode: 404,
      actor: { name: 'audrey' },
    });
  });

  it('never stores request bodies, personal data or secrets', async () => {
    const email = 'jane.doe.audit@example.com';
    const destinationSecret = 'audit-destination-secret-0123456789';
    const destination = await call<{ id: string; secret: string }>(adminOperator.token, 'POST', '/v1/destinations', {
      name: `CRM of ${email}`,
      url: 'http://127.0.0.1:9/hooks',
      secret: destinationSecret,
    });
    expect(destination.status, JSON.stringify(destination.body)).toBe(201);
    const rotated = await call<{ secret: string }>(adminOperator.token, 'POST', `/v1/destinations/${destination.body.id}/rotate-secret`, {});
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const partner = await call<{ id: string; apiKey: string; secret: string }>(adminOperator.token, 'POST', '/v1/partners', {
      name: email,
      slug: 'jane-doe',
      profile: 'canonical',
    });
    expect(partner.status).toBe(201);
    const operator = await call<{ token: string }>(testAdminToken, 'POST', '/v1/operators', { name: 'token-holder', role: 'viewer' });

    const [latest] = (await auditLog({ limit: '1' })).entries;
    expect(latest).toMatchObject({ action: 'createOperator', statusCode: 201 });
    const stored = await auditTableText();
    expect(stored).toContain(destination.body.id);
    for (const secretOrPersonal of [email, 'jane.doe', destinationSecret, rotated.body.secret, partner.body.apiKey, partner.body.secret, operator.body.token, adminOperator.token]) {
      expect(stored).not.toContain(secretOrPersonal);
    }
  });

  it('filters by actor, target, action and time, and pages newest first with a cursor', async () => {
    const before = new Date().toISOString();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const created = await call<{ id: string }>(adminOperator.token, 'POST', '/v1/destinations', {
        name: `Paged ${index}`,
        url: 'http://127.0.0.1:9/hooks',
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }

    const pages: AuditEntry[][] = [];
    let cursor: string | null = null;
    do {
      const page: AuditPage = await auditLog({ actor: adminOperator.id, action: 'createDestination', since: before, limit: '2', ...(cursor ? { cursor } : {}) });
      pages.push(page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((entry) => entry.targetId)).toEqual([...ids].reverse());

    expect((await auditLog({ actor: 'audrey', target: ids[2]! })).entries.map((entry) => entry.action)).toEqual(['createDestination']);
    expect((await auditLog({ actor: 'victor', action: 'createDestination' })).entries).toEqual([]);
    expect((await auditLog({ since: new Date(Date.now() + 60_000).toISOString() })).entries).toEqual([]);
    // Readable by a viewer: it is a GET.
    expect((await auditLog({ target: ids[0]! }, viewer.token)).entries).toHaveLength(1);
    expect((await call(testAdminToken, 'GET', '/v1/audit-log?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });

  it('is append-only: PostgreSQL refuses UPDATE, DELETE and TRUNCATE of the table', async () => {
    const before = await auditTableText();
    expect(before.length).toBeGreaterThan(0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const statement of ["UPDATE audit_log SET actor_name = 'someone else'", 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
        await expect(client.query(statement), statement).rejects.toThrow(/audit log is append-only/);
      }
    } finally {
      await client.end();
    }
    expect(await auditTableText()).toBe(before);
  });
});
