import { timeOfTimeOrderedUuid, type DatabaseClient } from '@leadrelay/db';
import { AppError } from '@leadrelay/http-kit';

/**
 * Lead ids have been UUID v7 since this day (newTimeOrderedUuid, in intake's LeadAcceptance); a
 * v7 id from before it was never issued by LeadRelay. Leads stored earlier have random v4 ids.
 */
export const timeOrderedLeadIdsSinceMs = Date.UTC(2026, 10, 30);

/**
 * How far ahead of this intake's clock a v7 id may be: the intake that issued it may run on a
 * machine whose clock is a little ahead of ours.
 */
export const leadIdClockSkewMs = 60_000;

export interface IssuedLeadIdsOptions {
  db: DatabaseClient;
  now?: () => number;
}

/**
 * Whether a lead id named by a partner could have been issued by LeadRelay. Activities may name a
 * lead that is still being stored (they wait for it in the worker), so a lead id cannot simply be
 * looked up; but only an id LeadRelay could have issued is worth waiting for. A v7 id carries the
 * millisecond it was issued: one from between the day v7 ids began and now could be a lead on its
 * way, and costs no query. Any other id (a v4 of a lead stored before v7 ids, a v7 from the future,
 * other versions) is only taken when PostgreSQL holds that lead, or an alias of that id.
 */
export class IssuedLeadIds {
  readonly #db: DatabaseClient;
  readonly #now: () => number;

  constructor({ db, now = Date.now }: IssuedLeadIdsOptions) {
    this.#db = db;
    this.#now = now;
  }

  async couldHaveIssued(leadId: string): Promise<boolean> {
    const issuedAtMs = timeOfTimeOrderedUuid(leadId);
    if (issuedAtMs !== undefined && issuedAtMs >= timeOrderedLeadIdsSinceMs && issuedAtMs <= this.#now() + leadIdClockSkewMs) return true;
    return this.#isStored(leadId);
  }

  async #isStored(leadId: string): Promise<boolean> {
    try {
      const [row] = await this.#db.$queryRaw<{ stored: boolean }[]>`
        SELECT EXISTS (SELECT 1 FROM leads WHERE id = ${leadId}::uuid) OR EXISTS (SELECT 1 FROM lead_aliases WHERE id = ${leadId}::uuid) AS stored`;
      return row?.stored === true;
    } catch (error) {
      throw new AppError('service_unavailable', 'the lead could not be looked up, retry later', undefined, { cause: error });
    }
  }
}
