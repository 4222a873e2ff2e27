import { describe, expect, it } from 'vitest';
import { newTimeOrderedUuid, timeOfTimeOrderedUuid } from './time-ordered-uuid.ts';

describe('newTimeOrderedUuid', () => {
  it('is a version 7 UUID', () => {
    const id = newTimeOrderedUuid();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('carries its millisecond, so ids made later sort after, in text as in PostgreSQL uuid order', () => {
    const at = Date.UTC(2026, 10, 30, 5, 30, 0, 123);
    const id = newTimeOrderedUuid(at);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
    const ids = [at + 2, at, at + 1, at + 1000].map((ms) => newTimeOrderedUuid(ms));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0], ids[3]]);
  });

  it('differs between ids of the same millisecond, in random bits at its end', () => {
    const ids = Array.from({ length: 2_000 }, () => newTimeOrderedUuid(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    // The last 32 bits pick a worker's write lane: both halves of the range must come up.
    const lastBits = ids.map((id) => Number.parseInt(id.slice(-8), 16));
    expect(lastBits.some((bits) => bits % 2 === 0)).toBe(true);
    expect(lastBits.some((bits) => bits % 2 === 1)).toBe(true);
  });

  it('refuses a time it cannot carry', () => {
    for (const ms of [1.5, -1, 2 ** 48, Number.NaN]) expect(() => newTimeOrderedUuid(ms)).toThrow(RangeError);
  });
});

describe('timeOfTimeOrderedUuid', () => {
  it('reads the millisecond of a v7 id, in either case, and nothing from other versions', () => {
    const at = Date.UTC(2026, 11, 2, 17, 0, 0, 5);
    expect(timeOfTimeOrderedUuid(newTimeOrderedUuid(at))).toBe(at);
    expect(timeOfTimeOrderedUuid(newTimeOrderedUuid(at).toUpperCase())).toBe(at);
    expect(timeOfTimeOrderedUuid('0f8fad5b-d9cb-469f-a165-70867728950e')).toBeUndefined();
    expect(timeOfTimeOrderedUuid('c232ab00-9414-11ec-b3c8-9f6bdeced846')).toBeUndefined();
    expect(timeOfTimeOrderedUuid('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });
});
