import { z } from 'zod';
import { errorStatusByCode, type ErrorCode } from './app-error.ts';

/** The error answer, for the response schemas of every route. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorStatusByCode) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
