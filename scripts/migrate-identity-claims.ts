/**
 * Moves identity claims of the key-per-identity layout (LeadRelay before issue 12) into the hash
 * buckets the upgraded intake and worker read, and deletes the old keys. Run it once, after
 * stopping the old intakes and workers and before starting the new ones, with the deployment's
 * REDIS_URL, QUEUE_PREFIX and IDENTITY_BUCKET_BITS:
 *
 *   pnpm identity:migrate
 *
 * It can be stopped and run again: each run moves what is left (SCAN, one page at a time). See
 * the README's scaling section.
 */
import { loadEnv } from '@leadrelay/config';
import { IdentityClaimLayout } from '@leadrelay/lead';
import { createRedisConnection } from '@leadrelay/queue';
import { WorkerEnvSchema } from '../apps/worker/src/env.ts';
import { LegacyIdentityClaimMigration } from '../apps/worker/src/legacy-identity-claim-migration.ts';

const { REDIS_URL, QUEUE_PREFIX, IDENTITY_BUCKET_BITS } = loadEnv(WorkerEnvSchema);
const redis = createRedisConnection(REDIS_URL, { role: 'worker', connectionName: 'identity-claim-migration' });
try {
  const layout = new IdentityClaimLayout(QUEUE_PREFIX, IDENTITY_BUCKET_BITS);
  const migration = new LegacyIdentityClaimMigration({ redis, keyPrefix: QUEUE_PREFIX, layout });
  let reportedAt = 0;
  const result = await migration.run((progress) => {
    if (Date.now() - reportedAt < 5_000) return;
    reportedAt = Date.now();
    process.stderr.write(`moved ${progress.moved}, already claimed ${progress.alreadyClaimed}, changed meanwhile ${progress.changed}\n`);
  });
  process.stdout.write(
    `identity claims of ${QUEUE_PREFIX} moved into ${2 ** layout.bucketBits} buckets: ${result.moved} moved, ` +
      `${result.alreadyClaimed} already claimed (old key deleted), ${result.changed} changed meanwhile (run again)\n`,
  );
  if (result.changed > 0) process.exitCode = 3;
} finally {
  redis.disconnect();
}
