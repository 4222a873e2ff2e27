import { z } from 'zod';

/**
 * A property an activity is about, passed on as the source partner sent it. Seed 003 lists its
 * usual fields (`mls`, `url`, `street_address`, `city`, `state`, `zip`, `beds`, `full_baths`,
 * `listing_price`, `latitude`, `images`, ...) but partners are free to send others, or the same
 * ones in other types, so it is not narrowed here.
 */
export const leadPropertySchema = z.record(z.string(), z.unknown());

/** One activity: something the lead did (`visited`, `search_performed`, `property_viewed`, ...). */
export const leadActivitySchema = z.object({
  /** Seed 003's activity types, or a partner's own. */
  type: z.string(),
  description: z.string(),
  property: leadPropertySchema.optional(),
  /** ISO 8601, when the activity happened. */
  created: z.string().optional(),
  source: z.string(),
});

/** What identifies the lead on every action. */
const leadIdentity = {
  /** The lead's id: the same on its creation, updates and activities. */
  id: z.string().min(1),
  /** The Partner ID you gave when connecting this destination ('' when none was given). */
  partner_id: z.string(),
  site_uuid: z.string(),
  site_domain: z.string(),
};

/** The lead's details, as seed 003's lead fields table lists them. */
const leadDetails = {
  /** Where the lead came from: seed 003's source values or any other. */
  source: z.string(),
  site_login_url: z.string(),
  agent_name: z.string().optional(),
  agent_email: z.string().optional(),
  /** Empty for a lead known only by phone: the seed marks it required, so it is always present. */
  email: z.string(),
  /** Empty when the partner did not send one. */
  first_name: z.string(),
  last_name: z.string().optional(),
  /** `Buyer`, `Seller`, `Potential Seller`, or what the source partner is configured to send. */
  role: z.string(),
  /** E.164 when LeadRelay could read it (`+18081231234`). */
  phone: z.string().optional(),
  /** ISO 8601, when the lead was created. */
  created: z.string(),
};

const optionalDetails = z.object(leadDetails).partial().shape;

/** `created`: a new lead signed up. Every detail is present, with the lead's first activities. */
export const createdLeadSchema = z.object({
  action: z.literal('created'),
  ...leadIdentity,
  ...leadDetails,
  activities: z.array(leadActivitySchema),
});

/**
 * `updated`: the lead's contact details changed. Seed 003 promises only the identifying fields;
 * LeadRelay sends the whole lead as it now is. Activities, when present, are new ones to add.
 */
export const updatedLeadSchema = z.object({
  action: z.literal('updated'),
  ...leadIdentity,
  ...optionalDetails,
  activities: z.array(leadActivitySchema).optional(),
});

/** `activity_added`: one or more new activities of a lead. It may arrive before the lead's `created`. */
export const activityAddedLeadSchema = z.object({
  action: z.literal('activity_added'),
  ...leadIdentity,
  ...optionalDetails,
  activities: z.array(leadActivitySchema).min(1),
});

/**
 * The body of every LeadRelay webhook, told apart by `action`. Fields a later minor version adds
 * are dropped from the parsed result rather than refused, so an older receiver keeps working.
 */
export const leadDocumentSchema = z.discriminatedUnion('action', [createdLeadSchema, updatedLeadSchema, activityAddedLeadSchema]);

export type LeadProperty = z.infer<typeof leadPropertySchema>;
export type LeadActivity = z.infer<typeof leadActivitySchema>;
export type CreatedLead = z.infer<typeof createdLeadSchema>;
export type UpdatedLead = z.infer<typeof updatedLeadSchema>;
export type ActivityAddedLead = z.infer<typeof activityAddedLeadSchema>;
export type LeadDocument = z.infer<typeof leadDocumentSchema>;
export type LeadAction = LeadDocument['action'];
