import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapHotwireLead } from './hotwire-lead.ts';

// Seed 000's example item, with an address where the seed's page had lost it.
const seedItem = {
  firstName: 'First',
  lastName: 'Last',
  email: 'First.Last@Example.com',
  source: 'source name',
  gender: 'M',
  age: 21,
};

describe('mapHotwireLead', () => {
  it("maps seed 000's example item", () => {
    expect(mapHotwireLead(seedItem)).toEqual({
      ok: true,
      lead: {
        firstName: 'First',
        lastName: 'Last',
        email: 'first.last@example.com',
        source: 'source name',
        gender: 'male',
        age: 21,
      },
    });
  });

  it("reports seed 000's example as printed, whose email is empty, as missing the email", () => {
    expect(mapHotwireLead({ ...seedItem, email: '' })).toEqual({
      ok: false,
      errors: [{ path: 'email', message: 'is required' }],
    });
  });

  it('needs only the three required fields and trims them', () => {
    expect(mapHotwireLead({ firstName: '  Jane ', lastName: ' Smith', email: ' jane@example.com ' })).toEqual({
      ok: true,
      lead: { firstName: 'Jane', lastName: 'Smith', email: 'jane@example.com' },
    });
  });

  it('reports every missing required field by its hotwire name', () => {
    const result = mapHotwireLead({ firstName: '   ', source: 'eBay' });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'firstName', message: 'is required' },
        { path: 'lastName', message: 'is required' },
        { path: 'email', message: 'is required' },
      ],
    });
  });

  it.each([
    ['f', 'female'],
    ['F', 'female'],
    [' m ', 'male'],
  ])('reads gender %j as %s', (gender, expected) => {
    const result = mapHotwireLead({ ...seedItem, gender });
    expect(result.ok && result.lead.gender).toBe(expected);
  });

  it.each(['male', 'X', 'D', 'constructor'])('rejects gender %j, which the contract does not allow', (gender) => {
    expect(mapHotwireLead({ ...seedItem, gender })).toEqual({
      ok: false,
      errors: [{ path: 'gender', message: 'must be M or F' }],
    });
  });

  it('treats an empty gender and age as not sent', () => {
    const result = mapHotwireLead({ ...seedItem, gender: '', age: '' });
    expect(result.ok && [result.lead.gender, result.lead.age]).toEqual([undefined, undefined]);
  });

  it('accepts the age as a numeric string', () => {
    const result = mapHotwireLead({ ...seedItem, age: ' 34 ' });
    expect(result.ok && result.lead.age).toBe(34);
  });

  it.each([
    ['a fraction', 21.5],
    ['a negative number', -1],
    ['text', 'twenty'],
    ['a fractional string', '21.5'],
    ['a boolean', true],
    ['an impossible age', 400],
  ])('rejects %s as age', (_case, age) => {
    const result = mapHotwireLead({ ...seedItem, age });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((error) => error.path)).toEqual(['age']);
  });

  it('rejects an email that is not an address', () => {
    expect(mapHotwireLead({ ...seedItem, email: 'first.last' })).toEqual({
      ok: false,
      errors: [{ path: 'email', message: 'is not a valid email address' }],
    });
  });

  it('reports wrong types instead of throwing', () => {
    const result = mapHotwireLead({ firstName: 42, lastName: ['Last'], email: { address: 'a@b.co' } });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'firstName', message: 'must be a string' },
        { path: 'lastName', message: 'must be a string' },
        { path: 'email', message: 'must be a string' },
      ],
    });
  });

  it('keeps unknown fields in extra, as sent', () => {
    const result = mapHotwireLead({ ...seedItem, campaign: { id: 7 }, optIn: true });
    expect(result.ok && result.lead.extra).toEqual({ campaign: { id: 7 }, optIn: true });
  });

  it('renames fields with the fieldMap and names errors as the partner sent them', () => {
    const fieldMap = { first_name: 'firstName', mail: 'email' };
    const mapped = mapHotwireLead({ first_name: 'Jane', lastName: 'Smith', mail: 'jane@example.com' }, { fieldMap });
    expect(mapped).toEqual({ ok: true, lead: { firstName: 'Jane', lastName: 'Smith', email: 'jane@example.com' } });
    const invalid = mapHotwireLead({ first_name: 'Jane', lastName: 'Smith', mail: 'nope' }, { fieldMap });
    expect(invalid).toEqual({ ok: false, errors: [{ path: 'mail', message: 'is not a valid email address' }] });
  });

  it('does not let __proto__ or constructor into extra', () => {
    const item = JSON.parse(
      '{"firstName":"F","lastName":"L","email":"f@example.com","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"note":"kept"}',
    ) as unknown;
    const result = mapHotwireLead(item);
    expect(result.ok && result.lead.extra).toEqual({ note: 'kept' });
    expect(result.ok && Object.getPrototypeOf(result.lead.extra)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([null, undefined, 'lead', 42, [seedItem]])('rejects %j, which is not one JSON object', (item) => {
    expect(mapHotwireLead(item)).toEqual({ ok: false, errors: [{ path: '', message: 'must be a JSON object' }] });
  });

  it('rejects a huge name instead of storing it', () => {
    const result = mapHotwireLead({ ...seedItem, firstName: 'x'.repeat(1_000_000) });
    expect(!result.ok && result.errors.map((error) => error.path)).toEqual(['firstName']);
  });

  it('never throws, whatever the item', () => {
    const keys = fc.constantFrom('firstName', 'lastName', 'email', 'source', 'gender', 'age', '__proto__', 'other');
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.dictionary(keys, fc.jsonValue())), (item) => {
        const result = mapHotwireLead(item);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });
});
