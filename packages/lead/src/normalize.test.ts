import { describe, expect, it } from 'vitest';
import { normalizeGender } from './canonical-lead.ts';
import { normalizeDate, normalizeEmail, normalizePhone, normalizeTimestamp } from './normalize.ts';

describe('normalization', () => {
  it('trims and lower-cases emails, and refuses what is not one', () => {
    expect(normalizeEmail('  Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(normalizeEmail('jane@localhost')).toBeNull();
    expect(normalizeEmail('[email protected]')).toBeNull();
  });

  it('writes an address in one Unicode form: NFC, without invisible characters', () => {
    const composed = 'jos\u00e9@example.com';
    expect(normalizeEmail('jose\u0301@example.com')).toBe(composed);
    expect(normalizeEmail('JOSE\u0301@EXAMPLE.COM')).toBe(composed);
    expect(normalizeEmail('JOS\u00c9@example.com')).toBe(composed);
    expect(normalizeEmail('m\u00fcller@ex\u0061\u0308mple.de')).toBe('m\u00fcller@ex\u00e4mple.de');
    for (const invisible of ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u200e', '\u202e', '\u2066', '\u180e', '\ufe0f', '\u3164']) {
      const code = `U+${invisible.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      expect(normalizeEmail(`jo${invisible}se@example.com`), code).toBe('jose@example.com');
      expect(normalizeEmail(`${invisible}jose@example.com${invisible}`), code).toBe('jose@example.com');
      expect(normalizeEmail(`jose@exam${invisible}ple.com`), code).toBe('jose@example.com');
    }
    expect(normalizeEmail('jos\u200be\u0301@example.com')).toBe(composed);
    expect(normalizeEmail('\u200b\u200b')).toBeNull();
  });

  it('keeps Gmail dots, +tags and full-width letters: those are different addresses', () => {
    expect(normalizeEmail('jane.doe@gmail.com')).toBe('jane.doe@gmail.com');
    expect(normalizeEmail('janedoe@gmail.com')).toBe('janedoe@gmail.com');
    expect(normalizeEmail('jane+leads@gmail.com')).toBe('jane+leads@gmail.com');
    expect(normalizeEmail('\uff4a\uff41\uff4e\uff45@example.com')).toBe('\uff4a\uff41\uff4e\uff45@example.com');
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
