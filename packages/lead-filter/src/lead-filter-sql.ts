import { Prisma } from '@leadrelay/db';

/**
 * The SQL condition that a lead document passes a destination's filter, for statements that
 * join destinations with events (the dispatcher's fan-out). A destination without a filter costs
 * one IS NULL test: the function is only called for a filtered one. What a filter means lives in
 * the function `lead_filter_matches` (migration `destination_filters`), and only there.
 *
 * @param filter the filter column, e.g. `Prisma.raw('t.filter')`
 * @param document the lead document column, e.g. `Prisma.raw('e.document')`
 */
export function leadFilterAdmits(filter: Prisma.Sql, document: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(${filter} IS NULL OR lead_filter_matches(${filter}, ${document}))`;
}
