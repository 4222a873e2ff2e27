import type { NormalizeResult } from '../canonical-lead.ts';
import type { Gender } from '../normalized-lead.ts';
import { finishLead, notAnObject, PartnerItemReader, type ProfileOptions } from './partner-item.ts';

/** The fields of seed 000's New Leads API; anything else the partner sends goes to `extra`. */
const hotwireFields: ReadonlySet<string> = new Set(['firstName', 'lastName', 'email', 'source', 'gender', 'age']);

const hotwireGenders: ReadonlyMap<string, Gender> = new Map([
  ['m', 'male'],
  ['f', 'female'],
]);

/** One lead of a hotwire request (seed 000 sends an array of them). */
export function mapHotwireLead(item: unknown, options: ProfileOptions = {}): NormalizeResult {
  const reader = PartnerItemReader.open(item, options.fieldMap);
  if (!reader) return notAnObject();
  const canonical = {
    firstName: reader.requiredText('firstName'),
    lastName: reader.requiredText('lastName'),
    email: reader.requiredText('email'),
    source: reader.text('source'),
    gender: readHotwireGender(reader),
    age: readHotwireAge(reader),
  };
  const extra = reader.unmappedFields((field) => hotwireFields.has(field));
  return finishLead(reader, { canonical, extra }, options);
}

// The contract allows only M and F; the canonical profile's wider vocabulary would hide a
// partner sending something else.
function readHotwireGender(reader: PartnerItemReader): Gender | undefined {
  const raw = reader.text('gender');
  if (raw === undefined) return undefined;
  const gender = hotwireGenders.get(raw.toLowerCase());
  if (gender === undefined) reader.fail('gender', 'must be M or F');
  return gender;
}

/**
 * The contract says integer; a numeric string is taken too, because form tools often send every
 * value as text. Range and integrality are checked by the canonical rules.
 */
function readHotwireAge(reader: PartnerItemReader): number | undefined {
  if (!reader.has('age')) return undefined;
  const raw = reader.fields.age;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && /^\d+$/.test(raw.trim())) return Number(raw.trim());
  reader.fail('age', 'must be an integer');
  return undefined;
}
