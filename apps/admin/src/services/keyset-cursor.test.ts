import { describe, expect, it } from 'vitest';
import { AppError } from '@leadrelay/http-kit';
import { decodeLeadCursor, encodeLeadCursor } from './lead-cursor.ts';

describe('lead cursors', () => {
  it('carry the position of the last lead of a page', () => {
    const position = { createdAt: new Date('2025-01-31T08:00:00.123Z'), id: '0b7e6a4c-3f2d-4c1b-9a8e-7d6c5b4a3f21' };
    const cursor = encodeLeadCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeLeadCursor(cursor)).toEqual(position);
  });

  it('refuse anything this API did not make as a validation error', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of ['not a cursor', encode({}), encode(['yesterday', '0b7e6a4c-3f2d-4c1b-9a8e-7d6c5b4a3f21']), encode(['2025-01-31T08:00:00Z', "1' OR 1=1"])]) {
      let error: unknown;
      try {
        decodeLeadCursor(cursor);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'validation_failed', statusCode: 400 });
    }
  });
});
