import { describe, expect, it } from 'vitest';
import { findJsonBoundsViolation } from './json-bounds.ts';

const bounds = { maxDepth: 3, maxKeysPerObject: 2, maxArrayLength: 2, maxStringLength: 5, maxKeyLength: 3 };

describe('findJsonBoundsViolation', () => {
  it('accepts what fits, at every limit exactly', () => {
    expect(findJsonBoundsViolation({ ab: [{ c: 'fives' }, 1] }, bounds)).toBeNull();
    expect(findJsonBoundsViolation('fives', bounds)).toBeNull();
    expect(findJsonBoundsViolation(null, bounds)).toBeNull();
  });

  it('names the first path past each limit', () => {
    expect(findJsonBoundsViolation({ a: [{ b: {} }] }, bounds)).toEqual({ path: 'a.0.b', message: expect.stringMatching(/nests too deeply/) });
    expect(findJsonBoundsViolation({ a: 1, b: 2, c: 3 }, bounds)).toEqual({ path: '', message: 'must have at most 2 keys' });
    expect(findJsonBoundsViolation({ a: [1, 2, 3] }, bounds)).toEqual({ path: 'a', message: 'must have at most 2 elements' });
    expect(findJsonBoundsViolation({ a: ['ok', 'sixsix'] }, bounds)).toEqual({ path: 'a.1', message: 'must be at most 5 characters' });
    expect(findJsonBoundsViolation({ long: 1 }, bounds)).toEqual({ path: '', message: 'has a key longer than 3 characters' });
  });

  it('walks any depth without overflowing the call stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(findJsonBoundsViolation(deep)?.message).toMatch(/nests too deeply/);
  });
});
