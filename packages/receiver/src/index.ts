export { LeadRelayReceiver, defaultTimestampToleranceSeconds, parseLeadDocument, verifyLeadRelayWebhook } from './lead-relay-receiver.ts';
export type { LeadRelayReceiverOptions, LeadRelayWebhook } from './lead-relay-receiver.ts';
export { fastifyLeadRelayReceiver } from './fastify-lead-relay-receiver.ts';
export type { FastifyLeadRelayReceiverOptions } from './fastify-lead-relay-receiver.ts';
export {
  activityAddedLeadSchema,
  createdLeadSchema,
  leadActivitySchema,
  leadDocumentSchema,
  leadPropertySchema,
  updatedLeadSchema,
} from './lead-document-schema.ts';
export type { ActivityAddedLead, CreatedLead, LeadAction, LeadActivity, LeadDocument, LeadProperty, UpdatedLead } from './lead-document-schema.ts';
export { signLeadRouterBody, verifyLeadRouterSignature } from './lead-router-signature.ts';
export { signStandardWebhook, toStandardWebhookSecret, verifyStandardWebhookSignature } from './standard-webhook-signature.ts';
export type { StandardWebhookSignatureInput } from './standard-webhook-signature.ts';
export type { WebhookHeaders } from './webhook-headers.ts';
export { WebhookVerificationError } from './errors/webhook-verification-error.ts';
export type { WebhookVerificationFailure } from './errors/webhook-verification-error.ts';
export { MissingWebhookHeaderError } from './errors/missing-webhook-header-error.ts';
export { WebhookSignatureError } from './errors/webhook-signature-error.ts';
export { WebhookTimestampError } from './errors/webhook-timestamp-error.ts';
export { InvalidLeadDocumentError } from './errors/invalid-lead-document-error.ts';
