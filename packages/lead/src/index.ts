export {
  ActivityInputSchema,
  CanonicalLeadSchema,
  ConsentInputSchema,
  PropertySchema,
  normalizeActivity,
  normalizeCanonicalLead,
  normalizeGender,
} from './canonical-lead.ts';
export type {
  ActivityInput,
  CanonicalLeadInput,
  Gender,
  NormalizedActivity,
  NormalizedConsent,
  NormalizedLead,
  NormalizeOptions,
  NormalizeResult,
} from './canonical-lead.ts';
export { identityKeys } from './identity.ts';
export { buildLeadDocument, serializeLeadDocument } from './lead-document.ts';
export type {
  LeadAction,
  LeadDocument,
  LeadDocumentActivity,
  LeadDocumentActivityRow,
  LeadDocumentLead,
  LeadDocumentPartnerSettings,
} from './lead-document.ts';
export {
  normalizeDate,
  normalizeEmail,
  normalizeName,
  normalizePhone,
  normalizeTimestamp,
} from './normalize.ts';
export type { FieldError } from './normalize.ts';
