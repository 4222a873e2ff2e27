import { Prisma, runStatement, type DatabaseClient } from '@leadrelay/db';
import type { FilterTestAnswer } from './filter-test-schemas.ts';
import type { LeadFilter } from './lead-filter-schema.ts';

export interface LeadFilterTesterOptions {
  db: DatabaseClient;
}

interface DecisionRow {
  matches: boolean;
  held: boolean;
  decided_by: string;
}

/**
 * Answers whether a filter takes a lead document, and why. It asks PostgreSQL's
 * `lead_filter_decision`, the function the fan-out's `lead_filter_matches` is made of, so the
 * answer is the fan-out's by construction; this class only puts it into words.
 */
export class LeadFilterTester {
  readonly #db: DatabaseClient;

  constructor({ db }: LeadFilterTesterOptions) {
    this.#db = db;
  }

  /** `filter` as stored (null: no filter, every lead); `lead` a lead document (seed 003). */
  async test(filter: LeadFilter | null, lead: object): Promise<FilterTestAnswer> {
    if (filter === null) return { matches: true, decidedBy: null, explanation: 'The destination has no filter: it takes every lead.' };
    const [decision] = await runStatement<DecisionRow>(
      this.#db,
      Prisma.sql`SELECT matches, held, decided_by FROM lead_filter_decision(${JSON.stringify(filter)}::jsonb, ${JSON.stringify(lead)}::jsonb)`,
    );
    if (!decision) throw new Error('lead_filter_decision answered no row');
    return { matches: decision.matches, decidedBy: decision.decided_by, explanation: explain(filter, decision) };
  }
}

function explain(filter: LeadFilter, { matches, held, decided_by: decidedBy }: DecisionRow): string {
  const outcome = `the lead ${matches ? 'matches' : 'does not match'}`;
  const node = nodeOwning(filter, decidedBy);
  if (!node) return `The filter cannot be read at ${decidedBy || 'its root'}: ${outcome}.`;
  const verdict = held === matches ? `: ${outcome}.` : `, and a not around it turns that over: ${outcome}.`;
  return `${statement(node, held, decidedBy)}${verdict}`;
}

/** The filter node whose operator `path` ends at (`all.1.in` is the second filter of the root's all). */
function nodeOwning(filter: LeadFilter, path: string): Record<string, unknown> | undefined {
  const steps = path.split('.');
  steps.pop();
  let current: unknown = filter;
  for (const step of steps) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return typeof current === 'object' && current !== null ? (current as Record<string, unknown>) : undefined;
}

/** What the deciding node came to. A list decides only when all its filters held (all) or none did (any). */
function statement(node: Record<string, unknown>, held: boolean, path: string): string {
  const where = `(${path})`;
  const holds = held ? 'holds' : 'does not hold';
  if (Array.isArray(node.all)) return `${held ? 'Every' : 'Not every'} filter of all ${where} holds`;
  if (Array.isArray(node.any)) return `${held ? 'A' : 'No'} filter of any ${where} holds`;
  const field = String(node.field);
  if (node.equals !== undefined) return `The condition ${field} equals ${JSON.stringify(node.equals)} ${where} ${holds}`;
  if (Array.isArray(node.in)) return `The condition ${field} in ${JSON.stringify(node.in)} ${where} ${holds}`;
  return `The condition ${field} exists ${node.exists === true ? 'true' : 'false'} ${where} ${holds}`;
}
