export {
  ActivityInputSchema,
  CanonicalLeadSchema,
  ConsentInputSchema,
  PropertySchema,
  normalizeActivity,
  normalizeCanonicalLead,
  normalizeGender,
} from './canonical-lead.ts';
export type { ActivityInput, CanonicalLeadInput, NormalizeOptions, NormalizeResult } from './canonical-lead.ts';
export { NormalizedActivitySchema, NormalizedConsentSchema, NormalizedLeadSchema, genders } from './normalized-lead.ts';
export type { Gender, NormalizedActivity, NormalizedConsent, NormalizedLead } from './normalized-lead.ts';
export { findJsonBoundsViolation, itemJsonBounds } from './json-bounds.ts';
export type { JsonBounds } from './json-bounds.ts';
export { identityKeys } from './identity.ts';
export { IdentityClaimLayout, defaultIdentityBucketBits, identityClaimFieldBytes, maxIdentityBucketBits, minIdentityBucketBits } from './identity-claim-layout.ts';
export type { IdentityClaimOwner, IdentityClaimSlot } from './identity-claim-layout.ts';
export { suppressionHash, suppressionHashes, suppressionSetRedisKey } from './suppression.ts';
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
export { applyFieldMap } from './profiles/field-map.ts';
export { mapHotwireLead } from './profiles/hotwire-lead.ts';
export { mapSovendusLead } from './profiles/sovendus-lead.ts';
export type { ComplianceEncoding, SovendusOptions } from './profiles/sovendus-lead.ts';
export { alowareForceUpdate, mapAlowareLead } from './profiles/aloware-lead.ts';
export type { AlowareOtherPhoneNumber } from './profiles/aloware-lead.ts';
export type { ProfileOptions } from './profiles/partner-item.ts';
export { canonicalJson, rawSubmissionSha256 } from './submission-digest.ts';
