import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durationOrOffMsFromEnv } from './common-env.ts';
import { parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  it('reads a number with ms, s, m, h or d', () => {
    expect([parseDurationMs('250ms'), parseDurationMs('10s'), parseDurationMs('30m'), parseDurationMs('12h'), parseDurationMs('90d')]).toEqual([
      250, 10_000, 1_800_000, 43_200_000, 7_776_000_000,
    ]);
    expect(parseDurationMs(' 1.5h ')).toBe(5_400_000);
  });

  it('refuses anything else, saying what it expects', () => {
    for (const text of ['90', 'd', '90 days', '-1d', 'P90D', '']) {
      expect(() => parseDurationMs(text)).toThrow(`"${text}" is not a duration (use a number with ms, s, m, h or d, e.g. 10m)`);
    }
  });
});

describe('durationOrOffMsFromEnv', () => {
  const Schema = z.object({ RETENTION: durationOrOffMsFromEnv.default(30 * 86_400_000) });
  const issueOf = (value: string) => {
    const result = Schema.safeParse({ RETENTION: value });
    if (result.success) throw new Error(`expected ${value} to be refused`);
    return result.error.issues[0]!.message;
  };

  it('reads a duration, off as null, and the default when unset', () => {
    expect(Schema.parse({ RETENTION: '14d' }).RETENTION).toBe(14 * 86_400_000);
    expect(Schema.parse({ RETENTION: 'off' }).RETENTION).toBeNull();
    expect(Schema.parse({ RETENTION: 'OFF' }).RETENTION).toBeNull();
    expect(Schema.parse({}).RETENTION).toBe(30 * 86_400_000);
  });

  it('refuses a bare number, a zero and a typo with a message naming both forms', () => {
    expect(issueOf('90')).toBe('"90" is not a duration (use a number with ms, s, m, h or d, e.g. 10m), or off');
    expect(issueOf('of')).toBe('"of" is not a duration (use a number with ms, s, m, h or d, e.g. 10m), or off');
    expect(issueOf('0d')).toBe('"0d" is no time at all (use off to keep the data for good)');
  });
});
