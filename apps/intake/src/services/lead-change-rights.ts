import { Prisma, type DatabaseClient } from '@leadrelay/db';
import { AppError } from '@leadrelay/http-kit';
import { recordRefusedLeadChange } from '@leadrelay/observability';

/** A partner asking to change a lead (update it, add activities), named by the id it was given. */
export interface LeadChangeRequest {
  leadId: string;
  partnerId: string;
}

/** What PostgreSQL says of one request. */
export interface LeadChangeStanding {
  /** The lead (or the lead an alias id was merged into) is stored. */
  stored: boolean;
  /** The partner created the lead, or has itself submitted it before. */
  own: boolean;
}

/**
 * Partners are strangers to each other: a partner whose `changeScope` is `own` (the default) may
 * change only leads it created or has itself submitted before. Intake's identity claims say who
 * created a lead it claimed (see IdentityClaimLayout), which settles most requests without a read;
 * this asks PostgreSQL about the rest, many requests in one statement. Refusals are answered as the
 * contract answers a duplicate, so a partner learns nothing it did not know; they are counted.
 */
export class LeadChangeRights {
  constructor(private readonly db: DatabaseClient) {}

  /** One standing per request, in order. PostgreSQL unreachable: 503, so the partner retries. */
  async standings(requests: readonly LeadChangeRequest[]): Promise<LeadChangeStanding[]> {
    if (requests.length === 0) return [];
    const leadIds = requests.map((request) => request.leadId);
    const partnerIds = requests.map((request) => request.partnerId);
    let rows: { position: bigint; stored: boolean; own: boolean }[];
    try {
      rows = await this.db.$queryRaw(Prisma.sql`
        WITH asked AS (
          SELECT asked.position, COALESCE(alias.lead_id, asked.lead_id) AS lead_id, asked.partner_id
          FROM unnest(${leadIds}::uuid[], ${partnerIds}::uuid[]) WITH ORDINALITY AS asked(lead_id, partner_id, position)
          LEFT JOIN lead_aliases alias ON alias.id = asked.lead_id
        )
        SELECT asked.position,
          lead.id IS NOT NULL AS stored,
          (lead.partner_id = asked.partner_id OR EXISTS (
            SELECT 1 FROM raw_submissions submission WHERE submission.lead_id = asked.lead_id AND submission.partner_id = asked.partner_id
          )) AS own
        FROM asked LEFT JOIN leads lead ON lead.id = asked.lead_id`);
    } catch (error) {
      throw new AppError('service_unavailable', 'the lead could not be looked up, retry later', undefined, { cause: error });
    }
    const standings = new Array<LeadChangeStanding>(requests.length);
    for (const row of rows) standings[Number(row.position) - 1] = { stored: row.stored, own: row.stored && row.own };
    return standings;
  }

  /** Counts a refused change: `contract` is the route that asked. */
  refused(contract: string): void {
    recordRefusedLeadChange(contract);
  }
}
