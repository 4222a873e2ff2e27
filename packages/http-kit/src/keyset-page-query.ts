import { z } from 'zod';

/** The querystring fields of every keyset-paged list (keyset-cursor.ts): spread into its query schema. */
export const keysetPageQuery = {
  cursor: z.string().min(1).max(500).optional().describe('`nextCursor` of the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};
