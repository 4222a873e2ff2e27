export { signHotwireRequest, verifyHotwireSignature } from './hotwire-signature.ts';
export type { HotwireSignatureInput } from './hotwire-signature.ts';
export { buildWebhookHeaders, leadRouterUserAgent } from './webhook-headers.ts';
export type { WebhookHeadersInput, WebhookSigningSecrets } from './webhook-headers.ts';
