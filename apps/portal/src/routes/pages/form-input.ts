import type { z } from 'zod';
import { AppError } from '@leadrelay/http-kit';

/** A parsed form body (@fastify/formbody): a field is a string, or an array when repeated. */
export type FormBody = Record<string, string | string[] | undefined>;

export function formBody(body: unknown): FormBody {
  return body && typeof body === 'object' ? (body as FormBody) : {};
}

/** A text field; an empty one is absent. */
export function textField(form: FormBody, name: string): string | undefined {
  const value = form[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** Checkboxes of one name: every value checked, none as an empty list. */
export function listField(form: FormBody, name: string): string[] {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A number field: absent when empty; what is not a number is left for the schema to refuse. */
export function numberField(form: FormBody, name: string): number | string | undefined {
  const text = textField(form, name);
  return text === undefined ? undefined : Number.isFinite(Number(text)) ? Number(text) : text;
}

/**
 * A `datetime-local` field (no zone; the pages say UTC) as an ISO time in UTC; anything else is
 * left for the schema to refuse.
 */
export function utcTimeField(form: FormBody, name: string): string | undefined {
  const text = textField(form, name);
  if (text === undefined) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text) ? `${text}:00Z` : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(text) ? `${text}Z` : text;
}

/** Validates a form with the API's own schema; the answer names the fields as the form does. */
export function parseForm<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'validation_failed',
    'the form is invalid',
    parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || 'form', message: issue.message })),
  );
}

/**
 * A JSON field: empty is null (none, or remove it), text that is not JSON is left as text for the
 * schema to refuse with the field's path.
 */
export function jsonField(form: FormBody, name: string): unknown {
  const text = textField(form, name);
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return text;
    throw error;
  }
}
