import { AppError } from '@leadrelay/http-kit';

/** Where a page of leads ended: lists are ordered newest first by (createdAt, id). */
export interface LeadCursor {
  createdAt: Date;
  id: string;
}

/**
 * Opaque to clients. A keyset rather than an offset, so pages neither skip nor repeat leads
 * while new ones arrive.
 */
export function encodeLeadCursor({ createdAt, id }: LeadCursor): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

export function decodeLeadCursor(cursor: string): LeadCursor {
  const invalid = (cause?: unknown) =>
    new AppError('validation_failed', 'the cursor is invalid', [{ path: 'querystring.cursor', message: 'is not a cursor this API returned' }], { cause });
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
