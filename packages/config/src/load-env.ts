import type { z } from 'zod';

/**
 * Validates the environment against an app's schema. On a bad value the process stops with
 * one line naming the variable, instead of a stack trace far from the cause.
 */
export function loadEnv<Schema extends z.ZodType>(
  schema: Schema,
  source: NodeJS.ProcessEnv = process.env,
): z.output<Schema> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = issue?.path.join('.') || 'environment';
  process.stderr.write(`Invalid configuration: ${variable}: ${issue?.message ?? 'invalid value'}\n`);
  process.exit(1);
}
