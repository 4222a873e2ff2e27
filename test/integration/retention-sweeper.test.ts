import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SessionAdvisoryLock, createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { rawSubmissionSha256 } from '@leadrelay/lead';
import type { RetentionKind } from '@leadrelay/observability';
import { QueueRegistry } from '@leadrelay/queue';
import { RetentionSweeper, type RetentionSweeperOptions } from '../../apps/worker/src/retention-sweeper.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';

const dayMs = 86_400_000;

// The retention sweep on its own, against the real PostgreSQL: what goes, what stays, in batches,
// and one sweeper at a time. Redis jobs and the worker's own sweep: retention-worker.test.ts.
describe('the retention sweep', () => {
  let database: TestDatabase;
  let db: DatabaseClient;
  let sql: pg.Client;
  let redis: Redis;
  let partner: TestPartner;
  let leadId: string;
  let destinationId: string;
  const prefix = createQueuePrefix();
  const locks: SessionAdvisoryLock[] = [];
  let registry: QueueRegistry;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabaseClient({ databaseUrl: database.url, poolSize: 4 });
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
    partner = await insertTestPartner(database.url, { slug: 'acme', profile: 'canonical' });
    leadId = randomUUID();
    await sql.query('INSERT INTO leads (id, email, partner_id) VALUES ($1, $2, $3)', [leadId, 'kept.lead@example.com', partner.id]);
    destinationId = randomUUID();
    await sql.query(
      `INSERT INTO destinations (id, name, url, secret_ciphertext, events, sources, updated_at)
       VALUES ($1, 'CRM', 'https://crm.example.com/hooks', 'unused', '{created}', '{}', now())`,
      [destinationId],
    );
    registry = new QueueRegistry({ connection: redis, prefix });
  });

  afterAll(async () => {
    await Promise.all(locks.map((lock) => lock.close()));
    await registry?.close();
    redis?.disconnect();
    await deleteRedisKeys(prefix);
    await sql?.end();
    await db?.$disconnect();
    await database?.drop();
  });

  beforeEach(async () => {
    await sql.query('DELETE FROM delivery_attempts; DELETE FROM deliveries; DELETE FROM events; DELETE FROM raw_submissions');
  });

  function newLock(): SessionAdvisoryLock {
    const lock = new SessionAdvisoryLock({ databaseUrl: database.url, name: `${prefix}:retention-sweep` });
    locks.push(lock);
    return lock;
  }

  /** A sweeper with every retention at its default unless `options` says otherwise; counts what it reports. */
  function newSweeper(options: Partial<RetentionSweeperOptions> = {}) {
    const reported: { kind: RetentionKind; count: number }[] = [];
    const sweeper = new RetentionSweeper({
      db,
      lock: newLock(),
      queues: registry.all(),
      rawSubmissionsMs: 90 * dayMs,
      deliveryContentMs: 30 * dayMs,
      failedJobsMs: 14 * dayMs,
      completedJobsMs: dayMs,
      onSwept: (kind, count) => reported.push({ kind, count }),
      ...options,
    });
    return { sweeper, reported };
  }

  const reportedOf = (reported: { kind: RetentionKind; count: number }[], kind: RetentionKind) =>
    reported.filter((entry) => entry.kind === kind).map((entry) => entry.count);

  /** Raw submissions received `ageDays` ago, each with a payload of its own; returns their ids and payloads. */
  async function insertRawSubmissions(count: number, ageDays: number): Promise<{ id: string; payload: Record<string, unknown> }[]> {
    const rows = Array.from({ length: count }, (_, index) => ({
      id: randomUUID(),
      payload: { email: `person${index}.${ageDays}@example.com`, firstName: 'Über', n: index, consent: { text: 'Ja', ip: '203.0.113.9' } },
    }));
    for (const row of rows) {
      await sql.query(
        `INSERT INTO raw_submissions (id, lead_id, partner_id, route, payload, received_at, stored_at)
         VALUES ($1, $2, $3, 'POST /v1/leads', $4, (now() AT TIME ZONE 'UTC') - make_interval(days => $5), now() AT TIME ZONE 'UTC')`,
        [row.id, leadId, partner.id, JSON.stringify(row.payload), ageDays],
      );
    }
    return rows;
  }

  /** An event `ageDays` old with one delivery in `status` and one attempt answered "ok"; returns the event id. */
  async function insertDeliveredEvent(ageDays: number, status: string, { fannedOut = true } = {}): Promise<string> {
    const eventId = randomUUID();
    const deliveryId = randomUUID();
    await sql.query(
      `INSERT INTO events (id, lead_id, type, submission_id, partner_slug, document, created_at, fanned_out_at)
       VALUES ($1, $2, 'created', $3, 'acme', $4, (now() AT TIME ZONE 'UTC') - make_interval(days => $5),
               CASE WHEN $6::boolean THEN (now() AT TIME ZONE 'UTC') - make_interval(days => $5) END)`,
      [eventId, leadId, randomUUID(), JSON.stringify({ id: leadId, email: 'kept.lead@example.com', action: 'created' }), ageDays, fannedOut],
    );
    if (!fannedOut) return eventId;
    await sql.query(
      `INSERT INTO deliveries (id, event_id, destination_id, message_id, status, attempt_count, updated_at) VALUES ($1, $2, $3, $4, $5, 1, now())`,
      [deliveryId, eventId, destinationId, randomUUID(), status],
    );
    await sql.query(
      `INSERT INTO delivery_attempts (id, delivery_id, number, started_at, duration_ms, status_code, response_body)
       VALUES ($1, $2, 1, (now() AT TIME ZONE 'UTC') - make_interval(days => $3), 12, 200, 'ok, stored as crm-1234')`,
      [randomUUID(), deliveryId, ageDays],
    );
    return eventId;
  }

  it('removes the payload of raw submissions past RETENTION_RAW_SUBMISSIONS in batches, keeps a stub with its SHA-256, and keeps younger ones', async () => {
    const old = await insertRawSubmissions(5, 91);
    const young = await insertRawSubmissions(3, 89);
    const { sweeper, reported } = newSweeper({ batchSize: 2 });

    const result = await sweeper.sweep();

    expect(result).toEqual({ skipped: false, swept: expect.objectContaining({ raw_submissions: 5 }) });
    // Statements of two rows at most: 2 + 2 + 1.
    expect(reportedOf(reported, 'raw_submissions')).toEqual([2, 2, 1]);
    const { rows } = await sql.query<{ id: string; payload: unknown; payload_sha256: string | null; removed: boolean }>(
      'SELECT id, payload, payload_sha256, payload_removed_at IS NOT NULL AS removed FROM raw_submissions',
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(rows).toHaveLength(8);
    for (const submission of old) {
      // The digest the export showed before is the one kept: consent evidence stays checkable.
      expect(byId.get(submission.id)).toEqual({ id: submission.id, payload: null, payload_sha256: rawSubmissionSha256(submission.payload), removed: true });
    }
    for (const submission of young) {
      expect(byId.get(submission.id)).toEqual({ id: submission.id, payload: submission.payload, payload_sha256: null, removed: false });
    }

    // A second sweep finds nothing more.
    expect(await sweeper.sweep()).toEqual({ skipped: false, swept: expect.objectContaining({ raw_submissions: 0 }) });
  });

  it('removes event documents and attempt answers past RETENTION_DELIVERY_CONTENT, keeping what may still be sent and every row', async () => {
    const delivered = await insertDeliveredEvent(31, 'delivered');
    const failed = await insertDeliveredEvent(31, 'failed');
    const pending = await insertDeliveredEvent(31, 'pending');
    const paused = await insertDeliveredEvent(31, 'paused');
    const notFannedOut = await insertDeliveredEvent(31, 'delivered', { fannedOut: false });
    const young = await insertDeliveredEvent(29, 'delivered');
    const { sweeper } = newSweeper();

    const result = await sweeper.sweep();

    expect(result).toEqual({ skipped: false, swept: expect.objectContaining({ event_documents: 2, attempt_responses: 4 }) });
    const { rows: events } = await sql.query<{ id: string; has_document: boolean; removed: boolean }>(
      'SELECT id, document IS NOT NULL AS has_document, document_removed_at IS NOT NULL AS removed FROM events',
    );
    const documentKept = Object.fromEntries(events.map((event) => [event.id, event.has_document && !event.removed]));
    expect(documentKept).toEqual({ [delivered]: false, [failed]: false, [pending]: true, [paused]: true, [notFannedOut]: true, [young]: true });
    // Answers go by the attempt's age alone: an answer is not needed to send again.
    const { rows: attempts } = await sql.query<{ event_id: string; response_body: string | null; removed: boolean; status_code: number; duration_ms: number }>(
      `SELECT d.event_id, a.response_body, a.response_body_removed_at IS NOT NULL AS removed, a.status_code, a.duration_ms
       FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id`,
    );
    expect(attempts).toHaveLength(5);
    for (const attempt of attempts) {
      const expired = attempt.event_id !== young;
      expect(attempt).toMatchObject({ response_body: expired ? null : 'ok, stored as crm-1234', removed: expired, status_code: 200, duration_ms: 12 });
    }
    const { rows: deliveries } = await sql.query<{ status: string }>('SELECT status::text FROM deliveries');
    expect(deliveries.map((delivery) => delivery.status).sort()).toEqual(['delivered', 'delivered', 'failed', 'paused', 'pending']);
  });

  it('removes event documents in batches past the oldest events kept back for their unsent deliveries', async () => {
    for (const ageDays of [40, 39, 38]) await insertDeliveredEvent(ageDays, 'paused');
    for (const ageDays of [36, 35, 34, 33, 32]) await insertDeliveredEvent(ageDays, 'delivered');
    const { sweeper, reported } = newSweeper({ batchSize: 2 });

    await sweeper.sweep();

    expect(reportedOf(reported, 'event_documents')).toEqual([2, 2, 1]);
    const { rows } = await sql.query<{ status: string; has_document: boolean }>(
      'SELECT d.status::text AS status, e.document IS NOT NULL AS has_document FROM events e JOIN deliveries d ON d.event_id = e.id',
    );
    expect(rows.filter((row) => row.has_document).map((row) => row.status)).toEqual(['paused', 'paused', 'paused']);
  });

  it('lets one sweeper sweep at a time: two at once remove each row once, and neither waits for the other', async () => {
    await insertRawSubmissions(7, 100);
    const first = newSweeper({ batchSize: 2 });
    const second = newSweeper({ batchSize: 2 });

    const results = await Promise.all([first.sweeper.sweep(), second.sweeper.sweep()]);

    const swept = results.reduce((sum, result) => sum + (result.skipped ? 0 : result.swept.raw_submissions), 0);
    expect(swept).toBe(7);
    const reportedTotal = [...first.reported, ...second.reported]
      .filter((entry) => entry.kind === 'raw_submissions')
      .reduce((sum, entry) => sum + entry.count, 0);
    expect(reportedTotal).toBe(7);
    const { rows } = await sql.query<{ n: string }>('SELECT count(*) AS n FROM raw_submissions WHERE payload IS NOT NULL');
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('holds the sweep lock across processes, and releases it when its holder dies', async () => {
    const holder = newLock();
    const other = newLock();
    expect(await holder.tryAcquire()).toBe(true);
    expect(await other.tryAcquire()).toBe(false);
    const { sweeper } = newSweeper();
    expect(await sweeper.sweep()).toEqual({ skipped: true });
    // A worker killed mid-sweep: its connection closes, and PostgreSQL lets the lock go.
    await holder.close();
    expect(await other.tryAcquire()).toBe(true);
    await other.release();
    expect((await sweeper.sweep()).skipped).toBe(false);
  });
});
