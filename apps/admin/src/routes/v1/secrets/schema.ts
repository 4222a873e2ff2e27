import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

export const ReencryptSecretsBody = z
  .strictObject({
    cursor: z.string().min(1).max(500).optional().describe('`nextCursor` of the previous batch; absent: start from the beginning'),
    limit: z.number().int().min(1).max(1000).default(100).describe('Partners or destinations looked at in this batch'),
  })
  .default({ limit: 100 });

export const ReencryptSecretsResult = z.object({
  keyId: z.string().describe('The newest key of SECRET_ENCRYPTION_KEYS, which every secret is moved to'),
  reencrypted: z.number().int().describe('Rows whose secrets this batch moved to the newest key'),
  alreadyCurrent: z.number().int().describe('Rows already on the newest key, left as they were'),
  failed: z.number().int().describe('Rows whose secret no configured key decrypts'),
  failures: z.array(
    z.object({
      table: z.enum(['partners', 'destinations']),
      id: z.uuid(),
      reason: z.string().describe('Names key ids, never keys or secrets'),
    }),
  ),
  nextCursor: z.string().nullable().describe('Pass it as `cursor` for the next batch; null: every row has been looked at'),
});

export const reencryptSecretsSchema = {
  operationId: 'reencryptSecrets',
  ...adminTokenAuth,
  tags: ['secrets'],
  summary: 'Move one batch of partner and destination secrets to the newest SECRET_ENCRYPTION_KEYS key',
  description:
    'Idempotent and safe while the system runs: rows already on the newest key are only counted, and a row is written ' +
    'only if its ciphertexts are still the ones read, so a concurrent secret rotation is never undone. Call again with ' +
    '`nextCursor` until it is null.',
  body: ReencryptSecretsBody,
  response: { ...viewerRefusal, 200: ReencryptSecretsResult, 400: ErrorBodySchema, 401: ErrorBodySchema, 429: ErrorBodySchema },
};
