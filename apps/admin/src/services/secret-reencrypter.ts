import { Prisma, type DatabaseClient } from '@leadrelay/db';
import { SecretDecryptionError, type SecretBox } from '@leadrelay/credentials';
import { AppError, decodeKeysetCursor, keysetPage, newestFirst, rowsAfter, type KeysetPosition } from '@leadrelay/http-kit';

/** Where secrets are stored: partners' MD5 secrets, then destinations' signing secrets. */
const secretTables = ['partners', 'destinations'] as const;
type SecretTable = (typeof secretTables)[number];

export interface ReencryptFailure {
  table: SecretTable;
  id: string;
  /** Why its secret could not be decrypted (names key ids, never key material or secrets). */
  reason: string;
}

export interface ReencryptBatchResult {
  /** The newest key of SECRET_ENCRYPTION_KEYS, the one every secret is moved to. */
  keyId: string;
  reencrypted: number;
  alreadyCurrent: number;
  failed: number;
  failures: ReencryptFailure[];
  /** Pass it back for the next batch; null when this batch was the last. */
  nextCursor: string | null;
}

/** A row's ciphertexts as read; the compare-and-set writes only if they are still these. */
interface SecretRow extends KeysetPosition {
  ciphertexts: (string | null)[];
}

type RowOutcome = 'reencrypted' | 'alreadyCurrent' | 'gone' | { reason: string };

/** Tries for a row that a concurrent rotation changed between our read and our write. */
const maxCompareAndSetTries = 5;

/**
 * Moves stored secrets to the newest key of SECRET_ENCRYPTION_KEYS, one batch at a time so a
 * caller can stop and go on (or start again: rows already on the newest key are only counted).
 * Safe beside a running system: each row is written only if its ciphertexts are still the ones
 * read (compare-and-set), so a secret rotated meanwhile is never overwritten with the old one; the
 * row is read again and judged afresh. `updated_at` is left alone: the secret did not change.
 */
export class SecretReencrypter {
  constructor(
    private readonly db: DatabaseClient,
    private readonly secretBox: SecretBox,
  ) {}

  async reencryptBatch({ cursor, limit }: { cursor?: string | undefined; limit: number }): Promise<ReencryptBatchResult> {
    const { table, after } = decodeReencryptCursor(cursor);
    const { rows, nextCursor } = keysetPage(await this.#readRows(table, after, limit + 1), limit);
    const result: ReencryptBatchResult = { keyId: this.secretBox.newestKeyId, reencrypted: 0, alreadyCurrent: 0, failed: 0, failures: [], nextCursor: null };
    for (const row of rows) {
      const outcome = await this.#reencryptRow(table, row);
      if (outcome === 'reencrypted' || outcome === 'alreadyCurrent') result[outcome] += 1;
      else if (outcome !== 'gone') {
        result.failed += 1;
        result.failures.push({ table, id: row.id, reason: outcome.reason });
      }
    }
    const nextTable = secretTables[secretTables.indexOf(table) + 1];
    if (nextCursor) result.nextCursor = `${table}.${nextCursor}`;
    else if (nextTable) result.nextCursor = `${nextTable}.`;
    return result;
  }

  async #reencryptRow(table: SecretTable, read: SecretRow): Promise<RowOutcome> {
    let row: SecretRow | undefined = read;
    for (let tries = 0; row && tries < maxCompareAndSetTries; tries += 1) {
      const stale = row.ciphertexts.filter((ciphertext): ciphertext is string => ciphertext !== null && !this.secretBox.isOnNewestKey(ciphertext));
      if (stale.length === 0) return 'alreadyCurrent';
      let replaced: (string | null)[];
      try {
        replaced = row.ciphertexts.map((ciphertext) => (ciphertext === null ? null : this.secretBox.reencrypt(ciphertext)));
      } catch (error) {
        if (error instanceof SecretDecryptionError) return { reason: error.message };
        throw error;
      }
      if (await this.#compareAndSet(table, row, replaced)) return 'reencrypted';
      [row] = await this.#readRows(table, undefined, 1, row.id);
    }
    return row ? { reason: `its secret kept changing while being re-encrypted (${maxCompareAndSetTries} tries); run again` } : 'gone';
  }

  async #readRows(table: SecretTable, after: KeysetPosition | undefined, take: number, id?: string): Promise<SecretRow[]> {
    const where = id ? { id } : after ? rowsAfter(after) : {};
    if (table === 'partners') {
      const partners = await this.db.partner.findMany({ where, orderBy: newestFirst, take, select: { id: true, createdAt: true, secretCiphertext: true } });
      return partners.map((partner) => ({ id: partner.id, createdAt: partner.createdAt, ciphertexts: [partner.secretCiphertext] }));
    }
    const destinations = await this.db.destination.findMany({
      where,
      orderBy: newestFirst,
      take,
      select: { id: true, createdAt: true, secretCiphertext: true, previousSecretCiphertext: true },
    });
    return destinations.map((destination) => ({
      id: destination.id,
      createdAt: destination.createdAt,
      ciphertexts: [destination.secretCiphertext, destination.previousSecretCiphertext],
    }));
  }

  /** True when the row still had the ciphertexts read and now has `replaced`. */
  async #compareAndSet(table: SecretTable, row: SecretRow, replaced: (string | null)[]): Promise<boolean> {
    const [current, previous] = row.ciphertexts;
    const [newCurrent, newPrevious] = replaced;
    const updated =
      table === 'partners'
        ? await this.db.$executeRaw(Prisma.sql`
            UPDATE partners SET secret_ciphertext = ${newCurrent}
            WHERE id = ${row.id}::uuid AND secret_ciphertext = ${current}`)
        : await this.db.$executeRaw(Prisma.sql`
            UPDATE destinations SET secret_ciphertext = ${newCurrent}, previous_secret_ciphertext = ${newPrevious ?? null}::text
            WHERE id = ${row.id}::uuid AND secret_ciphertext = ${current}
              AND previous_secret_ciphertext IS NOT DISTINCT FROM ${previous ?? null}::text`);
    return updated === 1;
  }
}

/** `<table>.<keyset cursor>`, or `<table>.` for a table's start; absent: the first table's start. */
function decodeReencryptCursor(cursor: string | undefined): { table: SecretTable; after: KeysetPosition | undefined } {
  if (cursor === undefined) return { table: secretTables[0], after: undefined };
  const dot = cursor.indexOf('.');
  const table = secretTables.find((name) => name === cursor.slice(0, dot));
  if (dot < 0 || !table) {
    throw new AppError('validation_failed', 'the cursor is invalid', [{ path: 'body.cursor', message: 'is not a cursor this API returned' }]);
  }
  const position = cursor.slice(dot + 1);
  return { table, after: position === '' ? undefined : decodeKeysetCursor(position, 'body.cursor') };
}
