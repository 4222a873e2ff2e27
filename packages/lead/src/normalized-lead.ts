import { z } from 'zod';

/** What `normalizeGender` makes of the words partners use. */
export const genders = ['male', 'female', 'other'] as const;
export type Gender = (typeof genders)[number];

export const NormalizedActivitySchema = z.object({
  type: z.string(),
  description: z.string(),
  property: z.record(z.string(), z.unknown()).optional(),
  /** ISO 8601, when the partner said when it happened. */
  occurredAt: z.string().optional(),
  source: z.string().optional(),
});
export type NormalizedActivity = z.infer<typeof NormalizedActivitySchema>;

export const NormalizedConsentSchema = z.object({
  text: z.string().optional(),
  ip: z.string().optional(),
  /** Exactly as sent. */
  timestampRaw: z.string().optional(),
  /** ISO 8601, when `timestampRaw` is a valid timestamp. */
  givenAt: z.string().optional(),
});
export type NormalizedConsent = z.infer<typeof NormalizedConsentSchema>;

/**
 * A lead after normalization: what every contract's mapping produces (through
 * `normalizeCanonicalLead`), what a persist-leads job carries and what the worker stores. A
 * field that is absent was not in the submission: on an update only present fields replace
 * stored ones. The limits a partner's input is held to live in `CanonicalLeadSchema`; this is
 * the shape that comes out, checked again only where a job is read.
 */
export const NormalizedLeadSchema = z.object({
  email: z.string().optional(),
  phone: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  salutation: z.string().optional(),
  gender: z.enum(genders).optional(),
  age: z.number().int().optional(),
  dateOfBirth: z.string().optional(),
  source: z.string().optional(),
  company: z.string().optional(),
  address: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  zip: z.string().optional(),
  country: z.string().optional(),
  timezone: z.string().optional(),
  website: z.string().optional(),
  notes: z.string().optional(),
  custom: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  /** Partner fields carried with the lead but not acted on. */
  extra: z.record(z.string(), z.unknown()).optional(),
  externalId: z.string().optional(),
  consent: NormalizedConsentSchema.optional(),
  activities: z.array(NormalizedActivitySchema).optional(),
});
export type NormalizedLead = z.infer<typeof NormalizedLeadSchema>;
