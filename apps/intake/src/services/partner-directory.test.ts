import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.ts';
import { insertTestPartner, type TestPartner } from '../../../../test/support/test-partner.ts';
import { freePort } from '../../../../test/support/free-port.ts';
import { generateApiKey } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';
import { PartnerDirectory, type IntakePartner, type PartnerDirectoryEvents } from './partner-directory.ts';

const ttlMs = 10_000;
const maxStaleMs = 60_000;

describe('PartnerDirectory', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** Where nothing listens: connecting there fails as PostgreSQL being down does (ECONNREFUSED). */
  let unreachableUrl: string;
  beforeAll(async () => {
    unreachableUrl = `postgresql://postgres@127.0.0.1:${await freePort()}/postgres`;
  });

  /**
   * A directory reading the real partners table, counting its reads and what it reports.
   * `unreachable` sends reads to a port nothing listens on; `failWith` makes them throw that error.
   */
  function directoryOnDatabase() {
    const state = { reads: 0, unreachable: false, failWith: undefined as Error | undefined, events: [] as string[], refreshErrors: [] as unknown[] };
    const events: PartnerDirectoryEvents = {
      readsFailing: () => state.events.push('readsFailing'),
      servingStale: () => state.events.push('servingStale'),
      staleTooOld: () => state.events.push('staleTooOld'),
      readsRecovered: () => state.events.push('readsRecovered'),
      refreshFailed: (error) => state.refreshErrors.push(error),
    };
    const directory = new PartnerDirectory({
      ttlMs,
      maxStaleMs,
      events,
      load: async (where) => {
        state.reads += 1;
        if (state.failWith) throw state.failWith;
        if (state.unreachable) {
          const down = new pg.Client({ connectionString: unreachableUrl });
          await down.connect();
          await down.end();
        }
        const { rows } = await client.query<{ id: string; slug: string; disabled: boolean }>(
          'SELECT id, slug, disabled_at IS NOT NULL AS disabled FROM partners WHERE slug = $1 OR api_key_hash = $2',
          ['slug' in where ? where.slug : null, 'apiKeyHash' in where ? where.apiKeyHash : null],
        );
        const row = rows[0];
        return row ? ({ id: row.id, slug: row.slug, disabled: row.disabled } as IntakePartner) : null;
      },
    });
    return { directory, state };
  }

  const setDisabled = (partner: TestPartner, disabled: boolean) =>
    client.query('UPDATE partners SET disabled_at = $2 WHERE id = $1', [partner.id, disabled ? new Date() : null]);

  it('sends one read for the requests that arrive together for a partner it does not hold', async () => {
    const partner = await insertTestPartner(database.url, { slug: 'together', profile: 'canonical' });
    const { directory, state } = directoryOnDatabase();
    const found = await Promise.all(Array.from({ length: 50 }, () => directory.findByApiKey(partner.apiKey)));
    expect(found.every((entry) => entry?.id === partner.id)).toBe(true);
    expect(state.reads).toBe(1);
    expect((await directory.findBySlug('together'))?.id).toBe(partner.id);
    expect(state.reads).toBe(2);
    expect(await directory.findByApiKey('not-a-key')).toBeNull();
  });

  it('reads a partner in use again in the background past half its time, without making requests wait', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const partner = await insertTestPartner(database.url, { slug: 'refresh', profile: 'canonical' });
    const { directory, state } = directoryOnDatabase();
    expect((await directory.findByApiKey(partner.apiKey))?.disabled).toBe(false);
    await setDisabled(partner, true);

    vi.setSystemTime(Date.now() + ttlMs * 0.4);
    expect((await directory.findByApiKey(partner.apiKey))?.disabled).toBe(false);
    expect(state.reads).toBe(1);

    vi.setSystemTime(Date.now() + ttlMs * 0.2);
    // Answered from the cache at once (still within its time), while one read goes out for it.
    const answers = await Promise.all([directory.findByApiKey(partner.apiKey), directory.findByApiKey(partner.apiKey)]);
    expect(answers.map((answer) => answer?.disabled)).toEqual([false, false]);
    expect(state.reads).toBe(2);
    await expect.poll(async () => (await directory.findByApiKey(partner.apiKey))?.disabled).toBe(true);
    expect(state.reads).toBe(2);
  });

  it('never answers from a read older than its time: a disabled partner is refused within it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const partner = await insertTestPartner(database.url, { slug: 'expire', profile: 'canonical' });
    const { directory, state } = directoryOnDatabase();
    expect((await directory.findByApiKey(partner.apiKey))?.disabled).toBe(false);
    await setDisabled(partner, true);
    vi.setSystemTime(Date.now() + ttlMs);
    expect((await directory.findByApiKey(partner.apiKey))?.disabled).toBe(true);
    expect(state.reads).toBe(2);
  });

  it('reports a failed background read that is not an outage, keeps the cached partner until it expires, then fails the request', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const partner = await insertTestPartner(database.url, { slug: 'failing', profile: 'canonical' });
    const { directory, state } = directoryOnDatabase();
    await directory.findByApiKey(partner.apiKey);
    state.failWith = new Error('a bug in the read');
    vi.setSystemTime(Date.now() + ttlMs * 0.6);
    expect((await directory.findByApiKey(partner.apiKey))?.id).toBe(partner.id);
    await expect.poll(() => state.refreshErrors.length).toBe(1);
    vi.setSystemTime(Date.now() + ttlMs * 0.5);
    // Not an outage: never answered from a stale copy, and the error stays what it is (a 500).
    await expect(directory.findByApiKey(partner.apiKey)).rejects.toThrow('a bug in the read');
    expect(state.events).toEqual([]);
  });

  it('while PostgreSQL is unreachable, serves known partners their last good copy up to maxStale, and 503 for the rest', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const known = await insertTestPartner(database.url, { slug: 'outage-known', profile: 'canonical' });
    const { directory, state } = directoryOnDatabase();
    expect((await directory.findByApiKey(known.apiKey))?.id).toBe(known.id);
    expect((await directory.findBySlug('outage-known'))?.id).toBe(known.id);
    expect(await directory.findBySlug('outage-nobody')).toBeNull();

    state.unreachable = true;
    vi.setSystemTime(Date.now() + ttlMs);
    expect((await directory.findByApiKey(known.apiKey))?.id).toBe(known.id);
    expect((await directory.findBySlug('outage-known'))?.id).toBe(known.id);
    expect(state.events).toEqual(['readsFailing', 'servingStale']);

    const unavailable = { name: 'AppError', code: 'service_unavailable', statusCode: 503 };
    // Never read, or read as unknown before the outage: cannot be decided now (it may exist by now).
    await expect(directory.findByApiKey(generateApiKey())).rejects.toMatchObject(unavailable);
    await expect(directory.findBySlug('outage-nobody')).rejects.toMatchObject(unavailable);
    await expect(directory.findBySlug('outage-nobody')).rejects.toBeInstanceOf(AppError);

    // Many requests during the outage send at most one read each half TTL, not one each.
    const readsBefore = state.reads;
    for (let request = 0; request < 50; request += 1) await directory.findByApiKey(known.apiKey);
    expect(state.reads - readsBefore).toBeLessThanOrEqual(1);

    vi.setSystemTime(Date.now() + maxStaleMs);
    await expect(directory.findByApiKey(known.apiKey)).rejects.toMatchObject(unavailable);
    await expect(directory.findBySlug('outage-known')).rejects.toMatchObject(unavailable);
    // Each said once for the outage, however many requests met it.
    expect(state.events).toEqual(['readsFailing', 'servingStale', 'staleTooOld']);

    state.unreachable = false;
    await setDisabled(known, true);
    await expect.poll(async () => (await directory.findByApiKey(known.apiKey).catch(() => undefined))?.disabled).toBe(true);
    expect(await directory.findByApiKey(generateApiKey())).toBeNull();
    expect(state.events).toEqual(['readsFailing', 'servingStale', 'staleTooOld', 'readsRecovered']);
    expect(state.refreshErrors).toEqual([]);
  });
});
