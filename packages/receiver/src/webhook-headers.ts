import { MissingWebhookHeaderError } from './errors/missing-webhook-header-error.ts';

/**
 * Request headers as frameworks hand them over: Node's and Fastify's `request.headers`, Express's
 * `req.headers`, or a fetch `Headers` (Hono, Next.js route handlers, workers).
 */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * One header's value by case-insensitive name, undefined when absent. A header sent more than
 * once is refused: which copy a framework keeps differs, and a signature must not depend on it.
 */
export function singleHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value.length === 1) return value[0];
  throw new MissingWebhookHeaderError(name);
}
