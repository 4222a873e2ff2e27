import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database.ts';
import { insertTestPartner, type TestPartner } from '../../../../test/support/test-partner.ts';
import { PartnerDirectory, type IntakePartner } from './partner-directory.ts';

const ttlMs = 10_000;

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

  /** A directory reading the real partners table, counting its reads; `failReads` makes them fail. */
  function directoryOnDatabase() {
    const state = { reads: 0, failReads: false, refreshErrors: [] as unknown[] };
    const directory = new PartnerDirectory({
      ttlMs,
      onRefreshError: (error) => state.refreshErrors.push(error),
      load: async (where) => {
        state.reads += 1;
        if (state.failReads) throw new Error('PostgreSQL is unreachable');
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

  it('reports a failed background read, keeps the cached partner until it expires, then fails the request', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const partner = await insertTestPartner(database.url, { slug: 'failing', profile: 'canonical' });
    const { directory, state } = directoryOnDatabase();
    await directory.findByApiKey(partner.apiKey);
    state.failReads = true;
    vi.setSystemTime(Date.now() + ttlMs * 0.6);
    expect((await directory.findByApiKey(partner.apiKey))?.id).toBe(partner.id);
    await expect.poll(() => state.refreshErrors.length).toBe(1);
    vi.setSystemTime(Date.now() + ttlMs * 0.5);
    await expect(directory.findByApiKey(partner.apiKey)).rejects.toThrow('PostgreSQL is unreachable');
  });
});
