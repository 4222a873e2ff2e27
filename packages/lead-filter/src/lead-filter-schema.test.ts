import { describe, expect, it } from 'vitest';
import { LeadFilterSchema, LeadFilterViewSchema, leadFilterLimits } from './lead-filter-schema.ts';
import { FilterTestBodySchema } from './filter-test-schemas.ts';

/** The refusals of a filter as `[path, message]`, the path as an API's 400 names it below `body.filter`. */
function refusals(filter: unknown): [string, string][] {
  const result = LeadFilterSchema.safeParse(filter);
  if (result.success) return [];
  return result.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
}

const condition = { field: 'phone', exists: true };

describe('LeadFilterSchema', () => {
  it.each([
    ['the issue example, with the property state path', { all: [{ field: 'activities.property.state', in: ['CA', 'NV'] }, { field: 'phone', exists: true }, { field: 'source', equals: 'zillow' }] }],
    ['a bare condition', { field: 'source', equals: 'zillow' }],
    ['numbers and booleans', { any: [{ field: 'activities.property.beds', equals: 3 }, { field: 'activities.property.tags', in: ['oahu', 7, true] }] }],
    ['not', { not: { field: 'role', equals: 'Potential Seller' } }],
    ['an object field with exists', { field: 'activities.property', exists: false }],
    ['5 levels', { all: [{ any: [{ not: { all: [condition] } }] }] }],
    ['50 conditions', { any: Array.from({ length: 50 }, () => condition) }],
    ['100 values in an in', { field: 'activities.property.zip', in: Array.from({ length: 100 }, (_, index) => String(index)) }],
    ['a 200-character value', { field: 'email', equals: 'x'.repeat(200) }],
  ])('takes %s', (_, filter) => {
    expect(refusals(filter)).toEqual([]);
    expect(LeadFilterSchema.parse(filter)).toEqual(filter);
    expect(LeadFilterViewSchema.parse(filter)).toEqual(filter);
  });

  it("takes the issue's own example, naming a property's state alone, and stores the full path", () => {
    const example = { all: [{ field: 'state', in: ['CA', 'NV'] }, { field: 'phone', exists: true }, { field: 'source', equals: 'zillow' }] };
    const parsed = LeadFilterSchema.parse(example);
    expect(parsed).toEqual({ all: [{ field: 'activities.property.state', in: ['CA', 'NV'] }, example.all[1], example.all[2]] });
    expect(example.all[0]!.field).toBe('state');
    expect(LeadFilterSchema.parse({ not: { any: [{ field: 'zip', equals: 'state' }] } })).toEqual({ not: { any: [{ field: 'activities.property.zip', equals: 'state' }] } });
    // A name that is an activity's field too stays ambiguous, and so is refused alone.
    expect(refusals({ field: 'type', equals: 'Sold' })[0]?.[0]).toBe('field');
  });

  it('refuses an unknown field, listing the valid ones', () => {
    const [[path, message]] = refusals({ all: [condition, { field: 'county', in: ['CA'] }] }) as [[string, string]];
    expect(path).toBe('all.1.field');
    expect(message).toMatch(/^is not a field of the lead document; the fields are action, id, /);
    for (const field of ['source', 'phone', 'activities.type', 'activities.property.state', 'activities.property.tags']) expect(message).toContain(field);
    // The destination's own partner_id is added after the fan-out: nothing to filter on.
    expect(refusals({ field: 'partner_id', equals: 'x' })[0]?.[0]).toBe('field');
  });

  it.each([
    ['two operators', { all: [condition, { field: 'phone', equals: 'x', in: ['y'] }] }, 'all.1', /has equals and in: exactly one operator/],
    ['a combinator and a test', { all: [condition], exists: true }, '', /has all and exists/],
    ['no operator', { any: [{ field: 'phone' }] }, 'any.0', /needs one of all, any, not/],
    ['a test without field', { not: { equals: 'x' } }, 'not.field', /is required with equals/],
    ['a field beside a combinator', { not: { any: [condition], field: 'phone' } }, 'not.field', /goes with equals, in or exists, not with any/],
    ['equals on an object field', { field: 'activities.property', equals: 'x' }, 'equals', /only exists applies/],
    ['an unknown key', { all: [{ ...condition, because: 'yes' }] }, 'all.0', /Unrecognized key: "because"/],
    ['an empty all', { all: [] }, 'all', /at least one filter/],
    ['an empty any', { not: { any: [] } }, 'not.any', /at least one filter/],
    ['an empty in', { field: 'phone', in: [] }, 'in', /expected array to have >=1 items/],
    ['an object value', { all: [{ field: 'phone', equals: { a: 1 } }] }, 'all.0.equals', /must be a string, a number or a boolean/],
    ['a null value', { field: 'phone', in: ['x', null] }, 'in.1', /must be a string, a number or a boolean/],
    ['an empty string', { field: 'phone', equals: '' }, 'equals', /use exists false/],
    ['a string too long', { all: [{ field: 'phone', in: ['x'.repeat(201)] }] }, 'all.0.in.0', /<=200 characters/],
    ['too many values', { all: [condition, { field: 'phone', in: Array.from({ length: 101 }, () => 'x') }] }, 'all.1.in', /<=100 items/],
    ['exists not a boolean', { field: 'phone', exists: 'yes' }, 'exists', /expected boolean/],
    ['not an object', ['phone'], '', /expected object/],
    ['a list of filters for not', { not: [condition] }, 'not', /expected object/],
  ])('refuses %s, naming the place', (_, filter, path, message) => {
    const found = refusals(filter);
    expect(found).toHaveLength(1);
    expect(found[0]![0]).toBe(path);
    expect(found[0]![1]).toMatch(message);
  });

  it('refuses nesting deeper than the limit at the node too deep, and more conditions than the limit', () => {
    expect(refusals({ all: [{ any: [{ not: { all: [{ not: condition }] } }] }] })).toEqual([['all.0.any.0.not.all.0.not', `nests deeper than ${leadFilterLimits.maxDepth} levels`]]);
    expect(refusals({ any: Array.from({ length: 51 }, () => condition) })).toEqual([['', `holds more than ${leadFilterLimits.maxConditions} conditions`]]);
    expect(refusals({ all: [{ any: Array.from({ length: 30 }, () => condition) }, { any: Array.from({ length: 30 }, () => condition) }] })).toEqual([
      ['', `holds more than ${leadFilterLimits.maxConditions} conditions`],
    ]);
  });

  it('refuses a filter nested a hundred thousand times with a refusal, not a stack overflow', () => {
    let deep: unknown = condition;
    for (let level = 0; level < 100_000; level += 1) deep = { not: deep };
    expect(refusals(deep)).toEqual([['not.not.not.not.not', 'nests deeper than 5 levels']]);
  });
});

describe('FilterTestBodySchema', () => {
  it("takes a lead document as the receiver library reads it, and refuses what is not one, naming the field", () => {
    const lead = {
      action: 'created',
      id: 'lead-1',
      partner_id: '',
      source: 'zillow',
      site_uuid: 'site',
      site_domain: 'example.com',
      site_login_url: 'https://example.com/login',
      email: 'a@example.com',
      first_name: 'Ann',
      role: 'Buyer',
      activities: [],
      created: '2026-12-03T10:00:00.000Z',
    };
    expect(FilterTestBodySchema.parse({ lead })).toEqual({ lead });
    const refused = FilterTestBodySchema.safeParse({ lead: { ...lead, source: 7 } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['lead.source']);
  });
});
