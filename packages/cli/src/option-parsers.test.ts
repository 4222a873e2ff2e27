import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectFieldMapping, isUuid, parseAdminUrl, parseList, parsePositiveInteger, parseSince } from './option-parsers.ts';

describe('command-line value parsers', () => {
  it('reads --since as ISO 8601 or as a time ago', () => {
    const now = new Date('2025-02-01T12:00:00.000Z');
    expect(parseSince('2025-01-31', now)).toBe('2025-01-31T00:00:00.000Z');
    expect(parseSince('2025-01-31T08:00:00+01:00', now)).toBe('2025-01-31T07:00:00.000Z');
    expect(parseSince('90m', now)).toBe('2025-02-01T10:30:00.000Z');
    expect(parseSince('24h', now)).toBe('2025-01-31T12:00:00.000Z');
    expect(parseSince('7d', now)).toBe('2025-01-25T12:00:00.000Z');
    for (const bad of ['yesterday', '24', '-1h', '2025-13-45', '']) expect(() => parseSince(bad, now)).toThrow(InvalidArgumentError);
  });

  it('takes only positive whole numbers', () => {
    expect(parsePositiveInteger('50')).toBe(50);
    for (const bad of ['0', '-1', '1.5', '1e3', 'ten', '']) expect(() => parsePositiveInteger(bad)).toThrow(InvalidArgumentError);
  });

  it('collects repeated --field-map pairs', () => {
    expect(collectFieldMapping('vorname=firstName', collectFieldMapping('nachname = lastName'))).toEqual({ nachname: 'lastName', vorname: 'firstName' });
    for (const bad of ['firstName', '=firstName', 'vorname=']) expect(() => collectFieldMapping(bad)).toThrow(InvalidArgumentError);
  });

  it('splits lists, checks URLs and recognises ids', () => {
    expect(parseList(' created, updated ,,')).toEqual(['created', 'updated']);
    expect(parseAdminUrl('http://127.0.0.1:3001')).toBe('http://127.0.0.1:3001');
    expect(() => parseAdminUrl('ftp://example.com')).toThrow(InvalidArgumentError);
    expect(() => parseAdminUrl('localhost:3001/x y')).toThrow(InvalidArgumentError);
    expect(isUuid('0b7e6a4c-3f2d-4c1b-9a8e-7d6c5b4a3f21')).toBe(true);
    expect(isUuid('acme')).toBe(false);
  });
});
