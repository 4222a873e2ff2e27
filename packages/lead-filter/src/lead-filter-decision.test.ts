import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { LeadFilterSchema, type LeadFilter } from './lead-filter-schema.ts';
import { LeadFilterTester } from './lead-filter-tester.ts';

interface Decision {
  matches: boolean;
  held: boolean;
  decided_by: string;
}

/** Lead documents as the worker stores them with an event (no partner_id: it is the destination's). */
const zillowBuyer = {
  action: 'created',
  id: 'lead-1',
  source: 'Zillow',
  site_uuid: 'b2b7c8a0-0000-4000-8000-000000000001',
  site_domain: 'homes.example.com',
  site_login_url: 'https://homes.example.com/login/lead-1',
  email: 'ann@example.com',
  first_name: 'Ann',
  role: 'Buyer',
  phone: '+18081231234',
  activities: [
    { type: 'property_viewed', description: 'Viewed 12 Keolu Rd', source: 'zillow', created: '2026-12-03T10:00:00.000Z', property: { state: 'CA', beds: 3, tags: ['kailua', 'Oahu'], listing_price: '100500' } },
    { type: 'visited', description: 'First visit', source: 'zillow', created: '2026-12-03T10:01:00.000Z' },
  ],
  created: '2026-12-03T10:00:00.000Z',
};
/** Known by phone only: LeadRelay sends `email` and `first_name` empty. No activities. */
const phoneOnly = { ...zillowBuyer, id: 'lead-2', source: 'realtor.com', email: '', first_name: '', role: 'Seller', phone: '+17025550100', activities: [] };
/** An update: no phone, a JSON null where a partner sent one, a property in NV with beds as text. */
const update = {
  action: 'updated',
  id: 'lead-3',
  source: 'trulia.com',
  site_uuid: zillowBuyer.site_uuid,
  site_domain: zillowBuyer.site_domain,
  site_login_url: zillowBuyer.site_login_url,
  email: 'bo@example.com',
  first_name: 'Bo',
  last_name: 'Ng',
  agent_name: null,
  role: 'Potential Seller',
  activities: [{ type: 'valuation_inquire', description: 'Valued 1 Main St', source: 'trulia.com', property: { state: 'nv', beds: '3', tags: [] } }],
  created: '2026-12-02T09:00:00.000Z',
};
const documents = [zillowBuyer, phoneOnly, update];

describe('lead_filter_decision: the one home of what a filter means', () => {
  let database: TestDatabase;
  let sql: pg.Client;
  let db: DatabaseClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    db = createDatabaseClient({ databaseUrl: database.url, poolSize: 1 });
  });

  afterAll(async () => {
    await db?.$disconnect();
    await sql?.end();
    await database?.drop();
  });

  /** Decisions for many (filter, document) pairs in one statement, in order. */
  async function decideAll(pairs: [unknown, unknown][]): Promise<Decision[]> {
    const { rows } = await sql.query<Decision>(
      `SELECT d.matches, d.held, d.decided_by
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS p (pair, n), lead_filter_decision(p.pair -> 0, p.pair -> 1) AS d
       ORDER BY p.n`,
      [JSON.stringify(pairs)],
    );
    return rows;
  }

  const decide = async (filter: unknown, document: unknown) => (await decideAll([[filter, document]]))[0]!;

  it.each([
    ['strings ignore case', { field: 'source', equals: 'zillow' }, zillowBuyer, true],
    ['in ignores case', { field: 'source', in: ['ZILLOW', 'trulia.com'] }, zillowBuyer, true],
    ['a string equal in part is not equal', { field: 'source', equals: 'zill' }, zillowBuyer, false],
    ['a path through activities holds for any activity', { field: 'activities.type', equals: 'visited' }, zillowBuyer, true],
    ['a property field of an activity', { field: 'activities.property.state', in: ['ca', 'NV'] }, zillowBuyer, true],
    ['a property field, lower case in the document', { field: 'activities.property.state', in: ['CA', 'NV'] }, update, true],
    ['no activities: a path through them finds nothing', { field: 'activities.property.state', in: ['CA', 'NV'] }, phoneOnly, false],
    ['equals on a list value looks at its items', { field: 'activities.property.tags', equals: 'oahu' }, zillowBuyer, true],
    ['an empty list holds no value', { field: 'activities.property.tags', exists: true }, update, false],
    ['numbers by value', { field: 'activities.property.beds', equals: 3.0 }, zillowBuyer, true],
    ['a number never equals a string', { field: 'activities.property.beds', equals: 3 }, update, false],
    ['a string never equals a number', { field: 'activities.property.beds', in: ['3'] }, zillowBuyer, false],
    ['in listing both takes either', { field: 'activities.property.beds', in: ['3', 3] }, update, true],
    ['booleans as they are', { field: 'activities.property.beds', equals: true }, zillowBuyer, false],
    ['a missing field does not equal', { field: 'phone', equals: '+18081231234' }, update, false],
    ['a missing field exists false', { field: 'phone', exists: false }, update, true],
    ['a missing field exists true', { field: 'phone', exists: true }, update, false],
    ['a null field does not exist', { field: 'agent_name', exists: false }, update, true],
    ['an empty email does not exist', { field: 'email', exists: true }, phoneOnly, false],
    ['an email exists', { field: 'email', exists: true }, zillowBuyer, true],
    ['an object field exists', { field: 'activities.property', exists: true }, zillowBuyer, true],
    ['not of a missing field holds', { not: { field: 'activities.property.state', equals: 'CA' } }, phoneOnly, true],
    ['not of a list: no activity is one', { not: { field: 'activities.type', equals: 'visited' } }, zillowBuyer, false],
  ])('%s', async (_, filter, document, matches) => {
    expect(LeadFilterSchema.safeParse(filter).success).toBe(true);
    expect((await decide(filter, document)).matches).toBe(matches);
  });

  it('names the condition that decided, as a path into the filter', async () => {
    const example = { all: [{ field: 'activities.property.state', in: ['CA', 'NV'] }, { field: 'phone', exists: true }, { field: 'source', equals: 'zillow' }] };
    expect(await decide(example, zillowBuyer)).toEqual({ matches: true, held: true, decided_by: 'all' });
    expect(await decide(example, update)).toEqual({ matches: false, held: false, decided_by: 'all.1.exists' });
    expect(await decide(example, phoneOnly)).toEqual({ matches: false, held: false, decided_by: 'all.0.in' });
    const either = { any: [{ field: 'role', equals: 'Seller' }, { field: 'activities.type', in: ['valuation_inquire'] }] };
    expect(await decide(either, update)).toEqual({ matches: true, held: true, decided_by: 'any.1.in' });
    expect(await decide(either, zillowBuyer)).toEqual({ matches: false, held: false, decided_by: 'any' });
    const nested = { all: [{ field: 'email', exists: true }, { any: [{ field: 'source', equals: 'x' }, { not: { field: 'role', equals: 'buyer' } }] }] };
    // No part of the any held (the not's condition did: the role is Buyer): the any decided the all.
    expect(await decide(nested, zillowBuyer)).toEqual({ matches: false, held: false, decided_by: 'all.1.any' });
    expect(await decide(nested, phoneOnly)).toEqual({ matches: false, held: false, decided_by: 'all.0.exists' });
    expect(await decide(nested, update)).toEqual({ matches: true, held: true, decided_by: 'all' });
    expect(await decide(nested.all[1], zillowBuyer)).toEqual({ matches: false, held: false, decided_by: 'any' });
    expect(await decide(nested.all[1]!.any![1], zillowBuyer)).toEqual({ matches: false, held: true, decided_by: 'not.equals' });
    expect(await decide({ not: { all: [{ field: 'email', exists: true }] } }, zillowBuyer)).toEqual({ matches: false, held: true, decided_by: 'not.all' });
  });

  it('takes no lead with a filter it cannot read, rather than failing the fan-out', async () => {
    for (const unreadable of ['junk', [], {}, { all: 'x' }, { field: 'phone', in: 'x' }, { field: 7, equals: 'x' }, { unknown: true }]) {
      expect((await decide(unreadable, zillowBuyer)).matches).toBe(false);
    }
    expect(await decide({ all: [{ field: 'phone', exists: true }, { field: 'phone', in: 5 }] }, zillowBuyer)).toEqual({ matches: false, held: false, decided_by: 'all.1' });
  });

  describe('all, any and not, nested at random', () => {
    const value = fc.constantFrom<string | number | boolean>('zillow', 'ZILLOW', 'CA', 'nv', 'Buyer', 'visited', 'oahu', '3', 3, true, 'nothing');
    const field = fc.constantFrom(
      'source',
      'role',
      'phone',
      'email',
      'last_name',
      'agent_name',
      'activities.type',
      'activities.property.state',
      'activities.property.beds',
      'activities.property.tags',
    );
    const condition: fc.Arbitrary<LeadFilter> = fc.oneof(
      fc.record({ field, equals: value }),
      fc.record({ field, in: fc.array(value, { minLength: 1, maxLength: 4 }) }),
      fc.record({ field, exists: fc.boolean() }),
    );
    /** Filters of at most `levels` levels. */
    const filterOf = (levels: number): fc.Arbitrary<LeadFilter> =>
      levels <= 1
        ? condition
        : fc.oneof(
            { weight: 2, arbitrary: condition },
            { weight: 1, arbitrary: fc.record({ all: fc.array(filterOf(levels - 1), { minLength: 1, maxLength: 3 }) }) },
            { weight: 1, arbitrary: fc.record({ any: fc.array(filterOf(levels - 1), { minLength: 1, maxLength: 3 }) }) },
            { weight: 1, arbitrary: fc.record({ not: filterOf(levels - 1) }) },
          );
    const combined = fc.oneof(
      fc.record({ all: fc.array(filterOf(4), { minLength: 1, maxLength: 3 }) }),
      fc.record({ any: fc.array(filterOf(4), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: filterOf(4) }),
    );
    const document = fc.constantFrom(...documents);
    const notsBefore = (path: string) => path.split('.').slice(0, -1).filter((step) => step === 'not').length;

    it('decides each as its parts do: all when every part holds, any when one does, not when its part does not', async () => {
      await fc.assert(
        fc.asyncProperty(combined, document, async (filter, lead) => {
          expect(LeadFilterSchema.safeParse(filter).success).toBe(true);
          const parts: LeadFilter[] = 'all' in filter ? filter.all : 'any' in filter ? filter.any : 'not' in filter ? [filter.not] : [];
          const [whole, ...decisions] = await decideAll([filter, ...parts].map((part) => [part, lead]));
          const prefix = (index: number) => ('not' in filter ? 'not.' : `${'all' in filter ? 'all' : 'any'}.${index}.`);
          if ('not' in filter) {
            expect(whole!.matches).toBe(!decisions[0]!.matches);
            expect(whole!.decided_by).toBe(prefix(0) + decisions[0]!.decided_by);
          } else {
            const wanted = 'any' in filter;
            const deciding = decisions.findIndex((decision) => decision.matches === wanted);
            expect(whole!.matches).toBe(wanted ? deciding >= 0 : deciding < 0);
            // The first part that fails an all or holds an any decides; when none does, the list itself.
            expect(whole!.decided_by).toBe(deciding >= 0 ? prefix(deciding) + decisions[deciding]!.decided_by : wanted ? 'any' : 'all');
          }
          // What decided held, or failed, and every not above it turned that over once.
          for (const decision of [whole!, ...decisions]) expect(decision.matches).toBe(decision.held !== (notsBefore(decision.decided_by) % 2 === 1));
        }),
        { numRuns: 300 },
      );
    });

    it('keeps De Morgan: all of the parts is not any of their negations', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(filterOf(3), { minLength: 1, maxLength: 4 }), document, async (parts, lead) => {
          const [all, deMorgan, any, dual] = await decideAll([
            [{ all: parts }, lead],
            [{ not: { any: parts.map((part) => ({ not: part })) } }, lead],
            [{ any: parts }, lead],
            [{ not: { all: parts.map((part) => ({ not: part })) } }, lead],
          ]);
          expect(deMorgan!.matches).toBe(all!.matches);
          expect(dual!.matches).toBe(any!.matches);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('LeadFilterTester', () => {
    it('answers what the fan-out would decide, in words', async () => {
      const tester = new LeadFilterTester({ db });
      const example: LeadFilter = { all: [{ field: 'activities.property.state', in: ['CA', 'NV'] }, { field: 'phone', exists: true }, { field: 'source', equals: 'zillow' }] };
      expect(await tester.test(example, { ...zillowBuyer, partner_id: 'acct-7' })).toEqual({
        matches: true,
        decidedBy: 'all',
        explanation: 'Every filter of all (all) holds: the lead matches.',
      });
      expect(await tester.test(example, update)).toEqual({
        matches: false,
        decidedBy: 'all.1.exists',
        explanation: 'The condition phone exists true (all.1.exists) does not hold: the lead does not match.',
      });
      expect(await tester.test({ not: { field: 'source', equals: 'zillow' } }, zillowBuyer)).toEqual({
        matches: false,
        decidedBy: 'not.equals',
        explanation: 'The condition source equals "zillow" (not.equals) holds, and a not around it turns that over: the lead does not match.',
      });
      expect(await tester.test({ any: [{ field: 'role', equals: 'Seller' }, { field: 'activities.type', in: ['note'] }] }, zillowBuyer)).toEqual({
        matches: false,
        decidedBy: 'any',
        explanation: 'No filter of any (any) holds: the lead does not match.',
      });
      expect(await tester.test(null, zillowBuyer)).toEqual({ matches: true, decidedBy: null, explanation: 'The destination has no filter: it takes every lead.' });
    });
  });
});
