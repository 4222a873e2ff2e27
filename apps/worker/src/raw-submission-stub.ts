import type { TransactionClient } from '@leadrelay/db';
import { rawSubmissionSha256 } from '@leadrelay/lead';

/**
 * Turns raw submissions into stubs: the payload goes, its SHA-256 (RFC 8785 canonical JSON, which
 * SQL cannot make, hence read, hash, then blank) and the time it went stay, so the row still makes
 * a replayed job idempotent and a consent still names the evidence it came in. `rows` were read
 * FOR UPDATE in `tx`. The one shape retention and erasure leave behind.
 */
export async function stubRawSubmissions(tx: TransactionClient, rows: readonly { id: string; payload: unknown }[]): Promise<number> {
  if (rows.length === 0) return 0;
  const ids = rows.map((row) => row.id);
  const digests = rows.map((row) => rawSubmissionSha256(row.payload));
  return tx.$executeRaw`
    UPDATE raw_submissions s SET payload = NULL, payload_sha256 = v.sha256, payload_removed_at = ${new Date()}::timestamp(3)
    FROM unnest(${ids}::uuid[], ${digests}::text[]) AS v(id, sha256)
    WHERE s.id = v.id`;
}
