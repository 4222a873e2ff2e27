import { describe, expect, it } from 'vitest';
import { applyFieldMap, fieldNameAsSent, pathAsSent } from './field-map.ts';

describe('applyFieldMap', () => {
  it('renames mapped fields and keeps the others', () => {
    const item = { first_name: 'Max', lastname: 'Müller' };
    expect(applyFieldMap(item, { first_name: 'firstname' })).toEqual({ firstname: 'Max', lastname: 'Müller' });
  });

  it('returns a new object and leaves the item and the map as they were', () => {
    const item = { first_name: 'Max' };
    const fieldMap = { first_name: 'firstname' };
    const fields = applyFieldMap(item, fieldMap);
    expect(fields).not.toBe(item);
    expect(item).toEqual({ first_name: 'Max' });
    expect(fieldMap).toEqual({ first_name: 'firstname' });
  });

  it('copies the item when there is no map', () => {
    const item = { email: 'a@example.com' };
    const fields = applyFieldMap(item);
    expect(fields).toEqual(item);
    expect(fields).not.toBe(item);
  });

  it('lets the mapped name win over the standard name sent alongside it', () => {
    expect(applyFieldMap({ firstname: 'Standard', first_name: 'Mapped' }, { first_name: 'firstname' })).toEqual({
      firstname: 'Mapped',
    });
  });

  it('swaps two fields mapped onto each other', () => {
    expect(applyFieldMap({ a: 1, b: 2 }, { a: 'b', b: 'a' })).toEqual({ a: 2, b: 1 });
  });

  it('ignores inherited and non-string map entries', () => {
    const fieldMap = JSON.parse('{"email": 5, "mail": ""}') as Record<string, string>;
    expect(applyFieldMap({ email: 'x', mail: 'y', toString: 'z' }, fieldMap)).toEqual({
      email: 'x',
      mail: 'y',
      toString: 'z',
    });
  });

  it('keeps a __proto__ key as an ordinary field instead of changing any prototype', () => {
    const item = JSON.parse('{"__proto__": {"polluted": true}, "email": "a@example.com"}') as Record<string, unknown>;
    const fields = applyFieldMap(item, { email: '__proto__' });
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(Object.keys(fields)).toEqual(['__proto__']);
    expect(fields.__proto__).toBe('a@example.com');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('fieldNameAsSent', () => {
  const fieldMap = { first_name: 'firstname' };

  it('names the mapped field the partner sent', () => {
    expect(fieldNameAsSent('firstname', { first_name: 'Max' }, fieldMap)).toBe('first_name');
  });

  it('names the standard field when the partner sent that one', () => {
    expect(fieldNameAsSent('firstname', { firstname: 'Max' }, fieldMap)).toBe('firstname');
  });

  it('names the mapped field for a field that was not sent at all', () => {
    expect(fieldNameAsSent('firstname', {}, fieldMap)).toBe('first_name');
    expect(fieldNameAsSent('email', {}, fieldMap)).toBe('email');
  });

  it('translates only the first segment of a nested path', () => {
    expect(pathAsSent('phones.1.phone_number', { numbers: [] }, { numbers: 'phones' })).toBe('numbers.1.phone_number');
    expect(pathAsSent('', {}, {})).toBe('');
  });
});
