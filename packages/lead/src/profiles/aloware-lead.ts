import type { CanonicalLeadInput, NormalizeResult } from '../canonical-lead.ts';
import { normalizeName, normalizePhone } from '../normalize.ts';
import { applyFieldMap } from './field-map.ts';
import { finishLead, notAnObject, PartnerItemReader, type ProfileOptions } from './partner-item.ts';

type TextField =
  | 'email'
  | 'company'
  | 'dateOfBirth'
  | 'timezone'
  | 'city'
  | 'state'
  | 'zip'
  | 'country'
  | 'address'
  | 'website'
  | 'notes';

/** Aloware field -> canonical field, for the fields that are plain text on both sides (seed 002). */
const alowareTextFields: Readonly<Record<string, TextField>> = {
  email: 'email',
  company_name: 'company',
  date_of_birth: 'dateOfBirth',
  timezone: 'timezone',
  city: 'city',
  state: 'state',
  zipcode: 'zip',
  country: 'country',
  address: 'address',
  website: 'website',
  notes: 'notes',
};

const alowareCustomFields = ['csf1', 'csf2'] as const;

/**
 * Fields the mapping consumes. `api_token` is the partner's credential: it is neither mapped nor
 * carried in `extra`. Everything not listed (the routing and action flags such as `force_update`,
 * `ring_group_id`, `campaign_id`) is carried in `extra` as sent.
 */
const alowareMappedFields: ReadonlySet<string> = new Set([
  'api_token',
  'phone_number',
  'other_phone_numbers',
  'name',
  'first_name',
  'last_name',
  'lead_source',
  'source',
  ...Object.keys(alowareTextFields),
  ...alowareCustomFields,
]);

export interface AlowareOtherPhoneNumber {
  label?: string;
  /** E.164. */
  phone_number: string;
}

/** One lead as aloware's Lead Intake webhook receives it (seed 002's curl body). */
export function mapAlowareLead(item: unknown, options: ProfileOptions = {}): NormalizeResult {
  const reader = PartnerItemReader.open(item, options.fieldMap);
  if (!reader) return notAnObject();
  const names = readAlowareNames(reader);
  const sourceField = reader.has('lead_source') ? 'lead_source' : 'source';
  const canonical: CanonicalLeadInput = {
    phone: reader.requiredText('phone_number'),
    firstName: names.firstName,
    lastName: names.lastName,
    source: reader.text(sourceField),
    custom: readCustomFields(reader),
  };
  const sources: Record<string, string> = {
    phone: 'phone_number',
    firstName: names.field === 'name' ? 'name' : 'first_name',
    lastName: names.field === 'name' ? 'name' : 'last_name',
    source: sourceField,
  };
  for (const [alowareField, canonicalField] of Object.entries(alowareTextFields)) {
    canonical[canonicalField] = reader.text(alowareField);
    sources[canonicalField] = alowareField;
  }
  for (const field of alowareCustomFields) sources[`custom.${field}`] = field;
  const otherPhoneNumbers = readOtherPhoneNumbers(reader, options.defaultCountry);
  const extra = reader.unmappedFields((field) => alowareMappedFields.has(field)) ?? {};
  if (otherPhoneNumbers !== undefined) extra.other_phone_numbers = otherPhoneNumbers;
  return finishLead(
    reader,
    { canonical, sources, extra: Object.keys(extra).length > 0 ? extra : undefined },
    options,
  );
}

/**
 * Whether aloware asked to overwrite an existing contact (seed 002's `force_update` action flag);
 * form tools send the flag as text as often as a JSON boolean.
 */
export function alowareForceUpdate(item: unknown, options: Pick<ProfileOptions, 'fieldMap'> = {}): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const flag = applyFieldMap(item as Record<string, unknown>, options.fieldMap).force_update;
  return flag === true || (typeof flag === 'string' && flag.trim().toLowerCase() === 'true');
}

interface AlowareNames {
  firstName?: string | undefined;
  lastName?: string | undefined;
  /** Which field the names were read from, for errors. */
  field: 'name' | 'first_name';
}

// `name` is only a fallback: seed 002's own example sends it alongside first_name and last_name.
function readAlowareNames(reader: PartnerItemReader): AlowareNames {
  if (reader.has('first_name') || reader.has('last_name')) {
    return { firstName: reader.text('first_name'), lastName: reader.text('last_name'), field: 'first_name' };
  }
  const fullName = reader.text('name');
  const name = fullName === undefined ? null : normalizeName(fullName);
  if (name === null) return { field: 'name' };
  const space = name.indexOf(' ');
  if (space === -1) return { firstName: name, field: 'name' };
  return { firstName: name.slice(0, space), lastName: name.slice(space + 1), field: 'name' };
}

function readCustomFields(reader: PartnerItemReader): Record<string, string> | undefined {
  const custom: Record<string, string> = {};
  for (const field of alowareCustomFields) {
    const value = reader.text(field);
    if (value !== undefined) custom[field] = value;
  }
  return Object.keys(custom).length > 0 ? custom : undefined;
}

/** Each `{label?, phone_number}` with the number in E.164; errors name the entry's index. */
function readOtherPhoneNumbers(
  reader: PartnerItemReader,
  defaultCountry: string | undefined,
): AlowareOtherPhoneNumber[] | undefined {
  if (!reader.has('other_phone_numbers')) return undefined;
  const entries = reader.fields.other_phone_numbers;
  if (!Array.isArray(entries)) {
    reader.fail('other_phone_numbers', 'must be an array of {label, phone_number}');
    return undefined;
  }
  const phoneNumbers: AlowareOtherPhoneNumber[] = [];
  entries.forEach((entry: unknown, index) => {
    const phoneNumber = readOtherPhoneNumber(reader, entry, `other_phone_numbers.${index}`, defaultCountry);
    if (phoneNumber) phoneNumbers.push(phoneNumber);
  });
  return phoneNumbers.length > 0 ? phoneNumbers : undefined;
}

function readOtherPhoneNumber(
  reader: PartnerItemReader,
  entry: unknown,
  path: string,
  defaultCountry: string | undefined,
): AlowareOtherPhoneNumber | null {
  const entryReader = PartnerItemReader.open(entry);
  if (!entryReader) {
    reader.fail(path, 'must be an object with phone_number');
    return null;
  }
  const raw = entryReader.requiredText('phone_number');
  const label = entryReader.text('label');
  for (const error of entryReader.errors) reader.fail(`${path}.${error.path}`, error.message);
  if (raw === undefined) return null;
  const phoneNumber = normalizePhone(raw, defaultCountry);
  if (phoneNumber === null) {
    reader.fail(`${path}.phone_number`, 'is not a valid phone number');
    return null;
  }
  return label === undefined ? { phone_number: phoneNumber } : { label, phone_number: phoneNumber };
}
