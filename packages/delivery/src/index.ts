export { WebhookSender, responseBodyLimitBytes } from './webhook-sender.ts';
export type { WebhookRequest, WebhookResult, WebhookSenderOptions } from './webhook-sender.ts';
export { DecryptedSecrets } from './decrypted-secrets.ts';
export type { DecryptedSecretsOptions } from './decrypted-secrets.ts';
export { buildSignedWebhook } from './signed-webhook.ts';
export type { EncryptedDestinationSecrets, SecretDecrypter, SignedWebhook, SignedWebhookInput } from './signed-webhook.ts';
export { deliveryJobOptions, deliveryRerunJobOptions, isFirstRunJob } from './delivery-job.ts';
export type { DeliveryRerunReason } from './delivery-job.ts';
