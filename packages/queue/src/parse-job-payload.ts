import { UnrecoverableError, type Job } from 'bullmq';
import type { z } from 'zod';

/**
 * Validates a job's payload against its catalog schema. A payload that does not match can never
 * succeed, so the job fails at once, without retries, with the reason on the dashboard.
 */
export function parseJobPayload<Schema extends z.ZodType>(schema: Schema, job: Job): z.output<Schema> {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) {
    const reasons = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`);
    throw new UnrecoverableError(`invalid ${job.name} payload: ${reasons.join('; ')}`);
  }
  return parsed.data;
}
