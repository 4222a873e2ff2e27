import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth } from '../../../plugins/openapi.ts';

export const SystemStats = z.object({
  queues: z
    .record(
      z.string(),
      z.object({
        paused: z.boolean(),
        jobs: z
          .record(z.string(), z.number().int())
          .describe('BullMQ job state (waiting, active, delayed, prioritized, waiting-children, completed, failed) -> jobs'),
      }),
    )
    .describe('By queue name: every queue LeadRelay uses'),
  deliveries: z.object({
    pending: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    stopped: z.number().int(),
    paused: z.number().int(),
  }),
  generatedAt: z.string(),
});

export const getStatsSchema = {
  operationId: 'getStats',
  ...adminTokenAuth,
  summary: 'Jobs per queue state and deliveries per status',
  tags: ['stats'],
  response: { 200: SystemStats, 401: ErrorBodySchema, 429: ErrorBodySchema },
};
