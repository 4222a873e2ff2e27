import { z } from 'zod';
import {
  normalizeDate,
  normalizeEmail,
  normalizeName,
  normalizePhone,
  normalizeTimestamp,
} from './normalize.ts';
import { findJsonBoundsViolation } from './json-bounds.ts';
import type { Gender, NormalizedActivity, NormalizedConsent, NormalizedLead } from './normalized-lead.ts';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const scalar = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);

/** The property an activity refers to (seed 003 "Property fields"); kept as sent. */
export const PropertySchema = z.record(z.string(), z.unknown());

export const ActivityInputSchema = z.object({
  type: text(100),
  description: text(10_000),
  property: PropertySchema.optional(),
  createdAt: z.string().optional(),
  source: text(200).optional(),
});
export type ActivityInput = z.input<typeof ActivityInputSchema>;

export const ConsentInputSchema = z.object({
  text: z.string().max(20_000).optional(),
  ip: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address' }).optional(),
  timestamp: z.string().max(100).optional(),
});

/** The canonical lead as partners send it to `POST /v1/leads`. */
export const CanonicalLeadSchema = z
  .object({
    email: z.string().max(320).optional(),
    phone: z.string().max(64).optional(),
    firstName: z.string().max(200).optional(),
    lastName: z.string().max(200).optional(),
    salutation: z.string().max(50).optional(),
    gender: z.string().max(20).optional(),
    age: z.number().int().min(0).max(150).optional(),
    dateOfBirth: z.string().max(20).optional(),
    source: text(200).optional(),
    company: text(300).optional(),
    address: text(500).optional(),
    city: text(200).optional(),
    state: text(100).optional(),
    zip: text(20).optional(),
    country: text(100).optional(),
    timezone: text(100).optional(),
    website: text(2000).optional(),
    notes: z.string().max(20_000).optional(),
    externalId: text(200).optional(),
    custom: z.record(z.string().max(100), scalar).optional(),
    consent: ConsentInputSchema.optional(),
    activities: z.array(ActivityInputSchema).max(100).optional(),
  })
  .refine((lead) => lead.email !== undefined || lead.phone !== undefined, {
    message: 'at least one of email or phone is required',
    path: ['email'],
  });
export type CanonicalLeadInput = z.input<typeof CanonicalLeadSchema>;

export type NormalizeResult =
  | { ok: true; lead: NormalizedLead }
  | { ok: false; errors: { path: string; message: string }[] };

const genderWords: Record<string, Gender> = {
  m: 'male',
  male: 'male',
  man: 'male',
  herr: 'male',
  mr: 'male',
  f: 'female',
  female: 'female',
  woman: 'female',
  frau: 'female',
  ms: 'female',
  mrs: 'female',
  o: 'other',
  other: 'other',
  x: 'other',
  d: 'other',
  diverse: 'other',
  divers: 'other',
};

export function normalizeGender(raw: string): Gender | null {
  const word = raw.trim().toLowerCase().replace(/\.$/, '');
  // Own keys only: "constructor" must not find Object's.
  return Object.hasOwn(genderWords, word) ? genderWords[word]! : null;
}

export interface NormalizeOptions {
  /** Region for national phone numbers (partner's `defaultCountry`, default US). */
  defaultCountry?: string;
}

/** Validates a canonical lead and normalizes it; every problem is reported with its path. */
export function normalizeCanonicalLead(input: unknown, options: NormalizeOptions = {}): NormalizeResult {
  const tooLarge = findJsonBoundsViolation(input);
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  const parsed = CanonicalLeadSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    };
  }
  const item = parsed.data;
  const errors: { path: string; message: string }[] = [];
  const lead: NormalizedLead = {};

  if (item.email !== undefined) {
    const email = normalizeEmail(item.email);
    if (email) lead.email = email;
    else errors.push({ path: 'email', message: 'is not a valid email address' });
  }
  if (item.phone !== undefined) {
    const phone = normalizePhone(item.phone, options.defaultCountry);
    if (phone) lead.phone = phone;
    else errors.push({ path: 'phone', message: 'is not a valid phone number' });
  }
  for (const field of ['firstName', 'lastName', 'salutation'] as const) {
    const value = item[field];
    if (value === undefined) continue;
    const name = normalizeName(value);
    if (name) lead[field] = name;
    else errors.push({ path: field, message: 'must not be empty' });
  }
  if (item.gender !== undefined) {
    const gender = normalizeGender(item.gender);
    if (gender) lead.gender = gender;
    else errors.push({ path: 'gender', message: 'must be M, F, male, female or other' });
  }
  if (item.age !== undefined) lead.age = item.age;
  if (item.dateOfBirth !== undefined) {
    const date = normalizeDate(item.dateOfBirth);
    if (date) lead.dateOfBirth = date;
    else errors.push({ path: 'dateOfBirth', message: 'must be a date as YYYY-MM-DD or MM/DD/YYYY' });
  }
  for (const field of ['source', 'company', 'address', 'city', 'state', 'zip', 'country', 'timezone', 'website', 'notes', 'externalId'] as const) {
    const value = item[field];
    if (value !== undefined) lead[field] = value;
  }
  if (item.custom !== undefined) lead.custom = item.custom;
  if (item.consent !== undefined) {
    const consent: NormalizedConsent = {};
    if (item.consent.text !== undefined) consent.text = item.consent.text;
    if (item.consent.ip !== undefined) consent.ip = item.consent.ip;
    if (item.consent.timestamp !== undefined) {
      consent.timestampRaw = item.consent.timestamp;
      const givenAt = normalizeTimestamp(item.consent.timestamp);
      if (givenAt) consent.givenAt = givenAt;
      else errors.push({ path: 'consent.timestamp', message: 'must be an ISO 8601 timestamp' });
    }
    lead.consent = consent;
  }
  if (item.activities !== undefined) {
    lead.activities = [];
    item.activities.forEach((activity, index) => {
      const normalized = normalizeActivity(activity, `activities.${index}`, errors);
      if (normalized) lead.activities!.push(normalized);
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, lead };
}

export function normalizeActivity(
  activity: z.output<typeof ActivityInputSchema>,
  path: string,
  errors: { path: string; message: string }[],
): NormalizedActivity | null {
  const normalized: NormalizedActivity = { type: activity.type, description: activity.description };
  if (activity.property !== undefined) normalized.property = activity.property;
  if (activity.source !== undefined) normalized.source = activity.source;
  if (activity.createdAt !== undefined) {
    const occurredAt = normalizeTimestamp(activity.createdAt);
    if (!occurredAt) {
      errors.push({ path: `${path}.createdAt`, message: 'must be an ISO 8601 timestamp' });
      return null;
    }
    normalized.occurredAt = occurredAt;
  }
  return normalized;
}
