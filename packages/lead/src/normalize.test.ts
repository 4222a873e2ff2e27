import { describe, expect, it } from 'vitest';
import { normalizeGender } from './canonical-lead.ts';
import { normalizeDate, normalizeEmail, normalizePhone, normalizeTimestamp } from './normalize.ts';

describe('normalization', () => {
  it('trims and lower-cases emails, and refuses what is not one', () => {
    expect(normalizeEmail('  Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(normalizeEmail('jane@localhost')).toBeNull();
    expect(normalizeEmail('[email protected]')).toBeNull();
  });

  it('reads phones in the partner country and writes E.164', () => {
    expect(normalizePhone('(808) 123-1234')).toBe('+18081231234');
    expect(normalizePhone('+1 818-740-5020')).toBe('+18187405020');
    expect(normalizePhone('030 901820', 'DE')).toBe('+4930901820');
    expect(normalizePhone('12')).toBeNull();
    expect(normalizePhone('call me')).toBeNull();
  });

  it('reads ISO and US dates, and refuses impossible ones', () => {
    expect(normalizeDate('12/05/1975')).toBe('1975-12-05');
    expect(normalizeDate('12-05-1975')).toBe('1975-12-05');
    expect(normalizeDate('1975-12-05')).toBe('1975-12-05');
    expect(normalizeDate('02/30/2001')).toBeNull();
    expect(normalizeDate('MM/DD/YYYY')).toBeNull();
  });

  it('writes timestamps in UTC, reading one without a zone as UTC wherever the server runs', () => {
    expect(normalizeTimestamp('2023-09-01T11:58:27+02:00')).toBe('2023-09-01T09:58:27.000Z');
    expect(normalizeTimestamp('2023-09-01 11:58:27')).toBe('2023-09-01T11:58:27.000Z');
    expect(normalizeTimestamp('yesterday')).toBeNull();
  });

  it('maps gender words, and only its own words', () => {
    expect(normalizeGender('M')).toBe('male');
    expect(normalizeGender('Frau')).toBe('female');
    expect(normalizeGender('constructor')).toBeNull();
    expect(normalizeGender('toString')).toBeNull();
  });
});
