import { describe, expect, it } from 'vitest';
import { decodeBase64Text } from './base64-text.ts';

describe('decodeBase64Text', () => {
  it('decodes UTF-8 text and keeps umlauts', () => {
    expect(decodeBase64Text('w7xiZXI=')).toBe('über');
  });

  it('reads base64url as well as base64', () => {
    // "ü?>" is w7w/Pg== in base64 and w7w_Pg== in padded base64url.
    expect(decodeBase64Text('w7w/Pg==')).toBe('ü?>');
    expect(decodeBase64Text('w7w_Pg==')).toBe('ü?>');
  });

  it('decodes the empty string to empty text', () => {
    expect(decodeBase64Text('')).toBe('');
  });

  it.each([
    ['a character outside both alphabets', 'w7xi*ZXI='],
    ['white space inside', 'w7xi ZXI='],
    ['a + that a query parser turned into a space', 'Pz8 '],
    ['mixed alphabets', 'w7w/w7w_'],
    ['base64 without its padding', 'dGVzdA'],
    ['base64url without its padding', 'w7w_Pg'],
    ['a value whose trailing + was lost', 'Pz8'],
    ['too much padding', 'dGVzdA==='],
    ['padding in the middle', 'dG==VzdA'],
    ['padding that does not complete a quantum', 'dGVzdA='],
    ['a length no encoding produces', 'dGVzd'],
    ['non-zero bits after the last byte', 'QR=='],
  ])('rejects %s', (_case, encoded) => {
    expect(decodeBase64Text(encoded)).toBeNull();
  });

  it('rejects bytes that are not UTF-8 (Latin-1 "üb")', () => {
    expect(decodeBase64Text('/GI=')).toBeNull();
  });

  it('rejects text with control characters', () => {
    expect(decodeBase64Text('YQBi')).toBeNull();
  });
});
