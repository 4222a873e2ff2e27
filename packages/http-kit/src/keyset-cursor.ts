import { AppError } from './app-error.ts';

/**
 * Keyset pagination of the APIs' lists (leads, deliveries, the audit log): newest first by (createdAt, id), a
 * page's cursor being where it ended. The order, the condition for the next page and the cursor
 * live here together, since a cursor only means something in this order.
 */

/** Where a page ended: the next page is the rows strictly after it in `newestFirst` order. */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

/**
 * Opaque to clients. A keyset rather than an offset, so pages neither skip nor repeat rows while
 * new ones are made. Encoded, not signed: a client that forges one only chooses where its own
 * listing starts, and decoding checks the shape so nothing else reaches a query.
 */
export function encodeKeysetCursor({ createdAt, id }: KeysetPosition): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

/** `path` names where the request carried it, for the 400. */
export function decodeKeysetCursor(cursor: string, path = 'querystring.cursor'): KeysetPosition {
  const invalid = (cause?: unknown) =>
    new AppError('validation_failed', 'the cursor is invalid', [{ path, message: 'is not a cursor this API returned' }], { cause });
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    // JSON.parse only throws for text that is not JSON: a cursor the client made up or cut short.
    throw invalid(error);
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid();
  const [createdAt, id] = decoded as unknown[];
  if (typeof createdAt !== 'string' || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw invalid();
  const date = new Date(createdAt);
  if (Number.isNaN(date.getTime())) throw invalid();
  return { createdAt: date, id };
}

/** The order every keyset-paged list is read in (a Prisma `orderBy`). */
export const newestFirst: ({ createdAt: 'desc' } | { id: 'desc' })[] = [{ createdAt: 'desc' }, { id: 'desc' }];

/** The rows after `position` in `newestFirst` order, as a Prisma `where` condition. */
export function rowsAfter({ createdAt, id }: KeysetPosition) {
  return { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] };
}

/**
 * A page from rows read with `take: limit + 1`: the first `limit` of them, and the cursor to the
 * next page when the extra row shows there is one (null on the last page).
 */
export function keysetPage<Row extends KeysetPosition>(rows: Row[], limit: number): { rows: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeKeysetCursor(last) : null };
}
