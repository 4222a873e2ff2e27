export { signLeadRouterBody, verifyLeadRouterSignature } from './lead-router-signature.ts';
export { signStandardWebhook, toStandardWebhookSecret } from './standard-webhook-signature.ts';
export type { StandardWebhookSignatureInput } from './standard-webhook-signature.ts';
export { signHotwireRequest, verifyHotwireSignature } from './hotwire-signature.ts';
export type { HotwireSignatureInput } from './hotwire-signature.ts';
export { buildWebhookHeaders, leadRouterUserAgent } from './webhook-headers.ts';
export type { WebhookHeadersInput, WebhookSigningSecrets } from './webhook-headers.ts';
