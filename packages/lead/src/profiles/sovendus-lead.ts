import type { NormalizeResult } from '../canonical-lead.ts';
import type { Gender } from '../normalized-lead.ts';
import { decodeBase64Text } from './base64-text.ts';
import { finishLead, notAnObject, PartnerItemReader, type ProfileOptions } from './partner-item.ts';

/**
 * How `compliance_text` and `compliance_timestamp` arrive: base64 in the GET webhook's query,
 * plain text in the POST JSON (seed 001).
 */
export type ComplianceEncoding = 'base64' | 'plain';

export interface SovendusOptions extends ProfileOptions {
  /**
   * Required rather than guessed: plain text can happen to be valid base64, and the route that
   * received the request knows which one it was.
   */
  encoding: ComplianceEncoding;
}

const sovendusGenders: ReadonlyMap<string, Gender> = new Map([
  ['male', 'male'],
  ['female', 'female'],
]);

const salutationGenders: ReadonlyMap<string, Gender> = new Map([
  ['herr', 'male'],
  ['frau', 'female'],
]);

/**
 * One sovendus lead, from the GET query or the POST JSON. Fields outside seed 001's list are not
 * kept: its URLs and bodies may also carry the receiver's own authentication token.
 */
export function mapSovendusLead(item: unknown, options: SovendusOptions): NormalizeResult {
  const reader = PartnerItemReader.open(item, options.fieldMap);
  if (!reader) return notAnObject();
  const salutation = reader.text('salutation');
  const idField = options.encoding === 'base64' ? 'newsletter_history_id' : 'sov_id';
  const canonical = {
    salutation,
    gender: readSovendusGender(reader, salutation),
    firstName: reader.text('firstname'),
    lastName: reader.text('lastname'),
    email: reader.requiredText('email'),
    externalId: readSovendusId(reader, idField),
    consent: readSovendusConsent(reader, options.encoding),
  };
  const sources = {
    firstName: 'firstname',
    lastName: 'lastname',
    externalId: idField,
    'consent.text': 'compliance_text',
    'consent.ip': 'compliance_ip',
    'consent.timestamp': 'compliance_timestamp',
  };
  return finishLead(reader, { canonical, sources }, options);
}

// An explicit gender wins over the one a salutation implies.
function readSovendusGender(reader: PartnerItemReader, salutation: string | undefined): Gender | undefined {
  const raw = reader.text('gender');
  if (raw === undefined) return salutation === undefined ? undefined : salutationGenders.get(salutation.toLowerCase());
  const gender = sovendusGenders.get(raw.toLowerCase());
  if (gender === undefined) reader.fail('gender', 'must be MALE or FEMALE');
  return gender;
}

/**
 * Seed 001 names the record id `newsletter_history_id` in the GET query and `sov_id` in the POST
 * JSON, and requires it: Sovendus identifies records by it, never by personal data. Either name is
 * read; two different ids in one item are an error rather than a guess.
 */
function readSovendusId(reader: PartnerItemReader, expectedField: string): string | undefined {
  const historyId = reader.identifier('newsletter_history_id');
  const sovId = reader.identifier('sov_id');
  if (historyId !== undefined && sovId !== undefined && historyId !== sovId) {
    reader.fail('sov_id', 'differs from newsletter_history_id');
    return undefined;
  }
  const id = historyId ?? sovId;
  const unreadable = reader.errors.some((error) => error.path === 'newsletter_history_id' || error.path === 'sov_id');
  if (id === undefined && !unreadable) reader.fail(expectedField, 'is required');
  return id;
}

function readSovendusConsent(
  reader: PartnerItemReader,
  encoding: ComplianceEncoding,
): { text?: string | undefined; ip?: string | undefined; timestamp?: string | undefined } | undefined {
  const consent = {
    ip: reader.text('compliance_ip'),
    text: readCompliance(reader, 'compliance_text', encoding),
    timestamp: readCompliance(reader, 'compliance_timestamp', encoding),
  };
  return Object.values(consent).some((value) => value !== undefined) ? consent : undefined;
}

/**
 * Base64 is read untrimmed: surrounding white space is not part of the encoding and may be a `+`
 * that an unescaped URL turned into a space, so it makes the value invalid rather than shorter.
 */
function readCompliance(reader: PartnerItemReader, field: string, encoding: ComplianceEncoding): string | undefined {
  const raw = reader.untrimmedText(field);
  if (raw === undefined || encoding === 'plain') return raw?.trim();
  const decoded = decodeBase64Text(raw);
  if (decoded === null) {
    reader.fail(field, 'is not base64-encoded UTF-8 text');
    return undefined;
  }
  const text = decoded.trim();
  return text === '' ? undefined : text;
}
