import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.ts';
import { decodeKeysetCursor, encodeKeysetCursor, keysetPage, rowsAfter } from './keyset-cursor.ts';

describe('keyset cursors', () => {
  it('carry the position of the last row of a page', () => {
    const position = { createdAt: new Date('2025-01-31T08:00:00.123Z'), id: '0b7e6a4c-3f2d-4c1b-9a8e-7d6c5b4a3f21' };
    const cursor = encodeKeysetCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeKeysetCursor(cursor)).toEqual(position);
  });

  it('refuse anything this API did not make as a validation error', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of ['not a cursor', encode({}), encode(['yesterday', '0b7e6a4c-3f2d-4c1b-9a8e-7d6c5b4a3f21']), encode(['2025-01-31T08:00:00Z', "1' OR 1=1"])]) {
      let error: unknown;
      try {
        decodeKeysetCursor(cursor);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'validation_failed', statusCode: 400 });
    }
  });

  it('make a page of the first `limit` rows, with a cursor to the rest only when there is more', () => {
    const rows = [3, 2, 1].map((n) => ({ createdAt: new Date(Date.UTC(2025, 0, n)), id: `00000000-0000-4000-8000-00000000000${n}` }));
    const page = keysetPage(rows, 2);
    expect(page.rows).toEqual(rows.slice(0, 2));
    expect(decodeKeysetCursor(page.nextCursor!)).toEqual(rows[1]);
    expect(keysetPage(rows, 3)).toEqual({ rows, nextCursor: null });
    expect(keysetPage([], 3)).toEqual({ rows: [], nextCursor: null });
  });

  it('continue after the position: older rows, or as old with a smaller id', () => {
    const position = { createdAt: new Date('2025-01-31T08:00:00.123Z'), id: '0b7e6a4c-3f2d-4c1b-9a8e-7d6c5b4a3f21' };
    expect(rowsAfter(position)).toEqual({
      OR: [{ createdAt: { lt: position.createdAt } }, { createdAt: position.createdAt, id: { lt: position.id } }],
    });
  });
});
