import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, rawSubmissionSha256 } from './submission-digest.ts';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units and drops whitespace, at every depth', () => {
    // RFC 8785 section 3.2.3's sorting example: names compared as UTF-16 code units, not code points.
    const input = { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\ud83d\ude00': 5, '\u0080': 6, '\u00f6': 7 };
    expect(canonicalJson(input)).toBe('{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}');
    expect(canonicalJson({ b: [3, { d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[3,{"c":null,"d":1}]}');
  });

  it('writes numbers and strings as ECMAScript does (RFC 8785 section 3.2.2)', () => {
    expect(canonicalJson([1e21, 1e-7, 0.000001, -0, 333333333.33333329, 4.5, 2e-3])).toBe('[1e+21,1e-7,0.000001,0,333333333.3333333,4.5,0.002]');
    expect(canonicalJson('Ünïcödé "quoted"\n\u0001')).toBe('"Ünïcödé \\"quoted\\"\\n\\u0001"');
  });

  it('has one text, and so one digest, for the same value whatever its key order', () => {
    const digest = rawSubmissionSha256({ email: 'a@b.co', consent: { ip: '203.0.113.7', text: 'Ja' } });
    expect(rawSubmissionSha256({ consent: { text: 'Ja', ip: '203.0.113.7' }, email: 'a@b.co' })).toBe(digest);
    expect(digest).toBe(createHash('sha256').update('{"consent":{"ip":"203.0.113.7","text":"Ja"},"email":"a@b.co"}').digest('hex'));
    expect(rawSubmissionSha256({ email: 'a@b.co', consent: { ip: '203.0.113.8', text: 'Ja' } })).not.toBe(digest);
  });
});
