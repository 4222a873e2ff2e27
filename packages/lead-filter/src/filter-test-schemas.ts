import { z } from 'zod';
import { leadDocumentSchema } from '@leadrelay/receiver';

/**
 * `POST /v1/destinations/:id/filter-test`: a lead document as the destination would receive it
 * (seed 003, the receiver library's schema). `partner_id` is read but not looked at: filters
 * cannot name it.
 */
export const FilterTestBodySchema = z.strictObject({
  lead: leadDocumentSchema.describe('A lead document, as LeadRelay sends it (seed 003)'),
});

export const FilterTestAnswerSchema = z.object({
  matches: z.boolean().describe("Whether the destination's filter takes this lead (events, sources and mode aside)"),
  decidedBy: z
    .string()
    .nullable()
    .describe('Path in the filter of the condition that decided (`all.1.in`), or of the `all`/`any` list when all its filters held or none did; null when the destination has no filter'),
  explanation: z.string().describe('The decision in words'),
});

export type FilterTestBody = z.infer<typeof FilterTestBodySchema>;
export type FilterTestAnswer = z.infer<typeof FilterTestAnswerSchema>;
