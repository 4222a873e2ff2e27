import { z } from 'zod';
import { leadFilterFields, objectFilterFields, shortFilterFieldNames } from './lead-filter-fields.ts';

/** What keeps a filter cheap to check and to evaluate for every lead: it is refused beyond these. */
export const leadFilterLimits = {
  /** Levels of nesting, the root being level 1: `{all:[{field,...}]}` is 2 levels. */
  maxDepth: 5,
  /** Conditions (`{field, ...}`) in the whole filter. */
  maxConditions: 50,
  /** Values of one `in`. */
  maxInValues: 100,
  /** Characters of a field name or of a string value. */
  maxStringLength: 200,
} as const;

export type LeadFilterValue = string | number | boolean;

/** A test of one field of the lead document. */
export type LeadFilterCondition =
  | { field: string; equals: LeadFilterValue }
  | { field: string; in: LeadFilterValue[] }
  | { field: string; exists: boolean };

/**
 * Which leads a destination receives, checked on the lead document (seed 003) when its event fans
 * out. The semantics, whose one home is the SQL function `lead_filter_decision` (migration
 * `destination_filters`), used by the fan-out and by the filter test alike:
 *
 * - `{all: [...]}` holds when every filter in it holds, `{any: [...]}` when at least one does,
 *   `{not: filter}` when that filter does not. Empty `all` and `any` lists are refused (a
 *   destination that takes everything has no filter).
 * - `field` is a dotted path into the document: `state` of a property an activity is about is
 *   `activities.property.state`, which a request may also name `state` (see
 *   `shortFilterFieldNames`; stored and shown with the full path). Paths through `activities` (a list) look at every activity: a
 *   condition holds when it holds for any value found, so `{field: "activities.property.state",
 *   in: ["CA", "NV"]}` takes a lead with at least one activity about a property in CA or NV. A
 *   list value (`activities.property.tags`) is looked into the same way: `equals` holds when one
 *   of its items is equal.
 * - Strings compare case-insensitively (`"ca"` equals `"CA"`), numbers by value (`3` equals
 *   `3.0`), booleans as they are. A string never equals a number: `"3"` does not equal `3` (list
 *   both in an `in` to take either).
 * - A field that is absent, JSON `null` or the empty string (LeadRelay sends `email: ""` for a
 *   lead known by phone only) does not exist: `equals` and `in` do not hold for it and only
 *   `exists: false` does. So `{not: {field: "state", equals: "CA"}}` takes leads without a state.
 * - `partner_id` cannot be filtered on: it is the destination's own, added after the fan-out.
 */
export type LeadFilter = { all: LeadFilter[] } | { any: LeadFilter[] } | { not: LeadFilter } | LeadFilterCondition;

const combinators = ['all', 'any', 'not'] as const;
const tests = ['equals', 'in', 'exists'] as const;

const StringValue = z
  .string()
  .min(1, 'must not be empty: use exists false for a missing or empty field')
  .max(leadFilterLimits.maxStringLength);
const Value = z.union([StringValue, z.number(), z.boolean()], { error: 'must be a string, a number or a boolean' });

const Field = z
  .enum(leadFilterFields as [string, ...string[]], {
    error: `is not a field of the lead document; the fields are ${leadFilterFields.join(', ')} (a property's field may be named alone, e.g. state)`,
  })
  .describe('A dotted path into the lead document, e.g. `source`, `phone`, `activities.type`, `activities.property.state`');

/** The one operator of a node, or why it has none that can be read. */
function checkOperator(node: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const operators = [...combinators, ...tests].filter((key) => node[key] !== undefined);
  if (operators.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        operators.length === 0
          ? 'needs one of all, any, not, or field with one of equals, in, exists'
          : `has ${operators.join(' and ')}: exactly one operator per filter (combine them in all or any)`,
    });
    return;
  }
  const [operator] = operators as [(typeof combinators)[number] | (typeof tests)[number]];
  const field = node.field;
  if ((tests as readonly string[]).includes(operator)) {
    if (field === undefined) ctx.addIssue({ code: 'custom', path: ['field'], message: `is required with ${operator}` });
    else if (typeof field === 'string' && objectFilterFields.has(field) && operator !== 'exists') {
      ctx.addIssue({ code: 'custom', path: [operator], message: `${field} is an object: only exists applies to it` });
    }
  } else if (field !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['field'], message: `goes with equals, in or exists, not with ${operator}` });
  }
}

/** The node schema inside itself, typed as what it checks (its own inferred type has every key optional). */
const nested = (): z.ZodType<LeadFilter> => FilterNode as unknown as z.ZodType<LeadFilter>;

const FilterNode = z
  .strictObject({
    get all(): z.ZodOptional<z.ZodArray<z.ZodType<LeadFilter>>> {
      return z.array(nested()).min(1, 'must hold at least one filter').max(leadFilterLimits.maxConditions).optional().describe('Holds when every filter in it holds');
    },
    get any(): z.ZodOptional<z.ZodArray<z.ZodType<LeadFilter>>> {
      return z.array(nested()).min(1, 'must hold at least one filter').max(leadFilterLimits.maxConditions).optional().describe('Holds when at least one filter in it holds');
    },
    get not(): z.ZodOptional<z.ZodType<LeadFilter>> {
      return nested().optional().describe('Holds when this filter does not');
    },
    field: Field.optional(),
    equals: Value.optional().describe('Holds when the field (or one of its values) is equal; strings ignore case'),
    in: z.array(Value).min(1).max(leadFilterLimits.maxInValues).optional().describe('Holds when the field (or one of its values) equals one of these'),
    exists: z.boolean().optional().describe('true: the field is present, not null and not empty; false: it is not'),
  })
  .superRefine(checkOperator)
  // A component of its own in the OpenAPI documents, which the filter's nesting refers to.
  .meta({ id: 'LeadFilter' });

/**
 * Depth and size come first, walking the raw input without recursion: the schema itself recurses,
 * and a body of `{"not":{"not":...}}` nested a hundred thousand times must be a 400, not a stack
 * overflow. Returns the input unchanged.
 */
function refuseOversized(input: unknown, ctx: z.RefinementCtx): unknown {
  const pending: { node: unknown; depth: number; path: (string | number)[] }[] = [{ node: input, depth: 1, path: [] }];
  let conditions = 0;
  while (pending.length > 0) {
    const { node, depth, path } = pending.pop()!;
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    if (depth > leadFilterLimits.maxDepth) {
      ctx.addIssue({ code: 'custom', path, message: `nests deeper than ${leadFilterLimits.maxDepth} levels` });
      return input;
    }
    const record = node as Record<string, unknown>;
    const children: { node: unknown; path: (string | number)[] }[] = [];
    for (const key of ['all', 'any'] as const) {
      const list = record[key];
      if (Array.isArray(list)) list.forEach((child, index) => children.push({ node: child, path: [...path, key, index] }));
    }
    if (record.not !== undefined) children.push({ node: record.not, path: [...path, 'not'] });
    if (children.length === 0) conditions += 1;
    if (conditions > leadFilterLimits.maxConditions) {
      ctx.addIssue({ code: 'custom', path: [], message: `holds more than ${leadFilterLimits.maxConditions} conditions` });
      return input;
    }
    for (const child of children.reverse()) pending.push({ ...child, depth: depth + 1 });
  }
  return input;
}

/**
 * The filter with every short field name (`state`) spelled out (`activities.property.state`), as a
 * copy. It runs only once refuseOversized took the input, so its depth is known to be small.
 */
function expandShortFieldNames(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(expandShortFieldNames);
  if (typeof node !== 'object' || node === null) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'field' && typeof value === 'string') copy[key] = shortFilterFieldNames.get(value) ?? value;
    // Values compared against (equals, in) are the lead's data: left as they are.
    else copy[key] = key === 'all' || key === 'any' || key === 'not' ? expandShortFieldNames(value) : value;
  }
  return copy;
}

const filterDescription =
  `Which leads this destination receives. {all:[...]}, {any:[...]}, {not:{...}}, or a condition {field, equals | in | exists}; ` +
  `at most ${leadFilterLimits.maxDepth} levels, ${leadFilterLimits.maxConditions} conditions, ${leadFilterLimits.maxInValues} values per in. ` +
  `Strings compare ignoring case; a path through activities holds when it holds for any activity; a missing, null or empty field only matches exists false. ` +
  `A property's field may be named alone (state for activities.property.state).`;

/**
 * A destination's filter as a request gives it (see {@link LeadFilter} for what it means). Refusals name the place:
 * `all.1.in` for the `in` of the second filter of the root's `all`, so an API answering 400 says
 * `body.filter.all.1.in`.
 */
export const LeadFilterSchema = z
  .preprocess(refuseOversized, z.preprocess(expandShortFieldNames, FilterNode))
  .describe(filterDescription) as unknown as z.ZodType<LeadFilter>;

/**
 * The same filter in an answer (a destination's view). Answers are encoded through their schema,
 * and the input's size guard is a transform that cannot be, so answers use this one.
 */
export const LeadFilterViewSchema = FilterNode.describe(filterDescription) as unknown as z.ZodType<LeadFilter>;
