import { createdLeadSchema, leadActivitySchema } from '@leadrelay/receiver';

/**
 * The property fields seed 003 lists. The receiver's schema passes a property on as the partner
 * sent it (any keys), so the names a filter may use are listed here, from the seed's table.
 */
export const seedPropertyFields = [
  'mls',
  'url',
  'street_address',
  'city',
  'state',
  'zip',
  'beds',
  'full_baths',
  'half_baths',
  'type',
  'sqft',
  'listing_price',
  'listing_status',
  'listing_days_on_market',
  'estimated_value',
  'last_sold_date',
  'last_sold_price',
  'tags',
  'latitude',
  'longitude',
  'images',
  'year_built',
  'list_date',
] as const;

/** `partner_id` is the receiving destination's own id, added after the fan-out decided who receives. */
const notFilterable = new Set(['partner_id', 'activities']);

/** Fields whose value is an object: only `exists` says anything about them. */
export const objectFilterFields: ReadonlySet<string> = new Set(['activities.property']);

/**
 * Every field a filter may name, as dotted paths into the lead document: the lead's fields, each
 * activity's (`activities.type`), and each activity's property's (`activities.property.state`).
 * The lead's and activities' names come from the receiver's document schema, so they cannot drift
 * from what is sent.
 */
export const leadFilterFields: readonly string[] = [
  ...Object.keys(createdLeadSchema.shape).filter((name) => !notFilterable.has(name)),
  ...Object.keys(leadActivitySchema.shape).map((name) => `activities.${name}`),
  ...seedPropertyFields.map((name) => `activities.property.${name}`),
];

const leadFieldNames = new Set([...Object.keys(createdLeadSchema.shape), ...Object.keys(leadActivitySchema.shape)]);

/**
 * A property's field named alone, as CRMs write a lead's state (`state` for
 * `activities.property.state`). Only names that are no lead or activity field of their own:
 * `type` stays `activities.type` or `activities.property.type`. A filter is stored and shown
 * with the full path.
 */
export const shortFilterFieldNames: ReadonlyMap<string, string> = new Map(
  seedPropertyFields.filter((name) => !leadFieldNames.has(name)).map((name) => [name, `activities.property.${name}`]),
);
