import type { LeadAction, LeadActivity, LeadDocument as SentLeadDocument } from '@leadrelay/receiver';

// The document's wire shape has one home, the receiver library CRMs install: what is built and
// sent here is typed by its schema, so the two cannot drift apart.
export type { LeadAction };
/** One activity as seed 003 lists its fields. */
export type LeadDocumentActivity = LeadActivity;

/**
 * The lead document of seed 003, as stored with an event. `partner_id` is the receiving
 * destination's own account id, so the dispatcher adds it per destination.
 */
export interface LeadDocument {
  action: LeadAction;
  id: string;
  source: string;
  site_uuid: string;
  site_domain: string;
  site_login_url: string;
  email: string;
  first_name: string;
  last_name?: string;
  role: string;
  phone?: string;
  activities: LeadDocumentActivity[];
  created: string;
}

/** What the source partner supplies where LeadRelay has no concept of its own (sites, roles). */
export interface LeadDocumentPartnerSettings {
  name: string;
  siteUuid: string;
  siteDomain: string;
  siteLoginUrl: string;
  leadRole: string;
}

export interface LeadDocumentLead {
  id: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  source: string | null;
  createdAt: Date;
}

export interface LeadDocumentActivityRow {
  type: string;
  description: string;
  property: unknown;
  source: string | null;
  occurredAt: Date | null;
  createdAt: Date;
}

export function buildLeadDocument(
  action: LeadAction,
  lead: LeadDocumentLead,
  partner: LeadDocumentPartnerSettings,
  activities: LeadDocumentActivityRow[],
): LeadDocument {
  const source = lead.source ?? partner.name;
  const document: LeadDocument = {
    action,
    id: lead.id,
    source,
    site_uuid: partner.siteUuid,
    site_domain: partner.siteDomain,
    site_login_url: partner.siteLoginUrl.replaceAll('{leadId}', encodeURIComponent(lead.id)),
    // Seed 003 marks email and first_name required; a lead known only by phone sends them empty.
    email: lead.email ?? '',
    first_name: lead.firstName ?? '',
    role: partner.leadRole,
    activities: activities.map((activity) => {
      const entry: LeadDocumentActivity = {
        type: activity.type,
        description: activity.description,
        created: (activity.occurredAt ?? activity.createdAt).toISOString(),
        source: activity.source ?? source,
      };
      if (activity.property !== null && activity.property !== undefined) {
        entry.property = activity.property as Record<string, unknown>;
      }
      return entry;
    }),
    created: lead.createdAt.toISOString(),
  };
  if (lead.lastName) document.last_name = lead.lastName;
  if (lead.phone) document.phone = lead.phone;
  return document;
}

/**
 * The exact body sent to a destination, fields in the seed's order (the stored JSONB does not
 * keep order), with the destination's `partner_id`. Serialized once per attempt so the
 * signature covers exactly the bytes sent.
 */
export function serializeLeadDocument(document: LeadDocument, destinationPartnerId: string | null): string {
  const sent: SentLeadDocument = {
    action: document.action,
    id: document.id,
    partner_id: destinationPartnerId ?? '',
    source: document.source,
    site_uuid: document.site_uuid,
    site_domain: document.site_domain,
    site_login_url: document.site_login_url,
    email: document.email,
    first_name: document.first_name,
    last_name: document.last_name,
    role: document.role,
    phone: document.phone,
    activities: document.activities.map((activity) => ({
      type: activity.type,
      description: activity.description,
      property: activity.property,
      created: activity.created,
      source: activity.source,
    })),
    created: document.created,
  };
  return JSON.stringify(sent);
}
