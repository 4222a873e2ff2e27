import type { DatabaseClient, TransactionClient } from './database-client.ts';

/**
 * Records suppression hashes (suppressionHashes in @leadrelay/lead) in PostgreSQL, the list's
 * truth: by an erasure (`erasureId`) or an import. Hashes already listed keep their first record.
 * Returns how many were new.
 */
export async function recordSuppressions(
  db: DatabaseClient | TransactionClient,
  hashes: readonly string[],
  source: 'erasure' | 'import',
  erasureId: string | null = null,
): Promise<number> {
  if (hashes.length === 0) return 0;
  const { count } = await db.suppression.createMany({ data: [...new Set(hashes)].map((hash) => ({ hash, source, erasureId })), skipDuplicates: true });
  return count;
}
