export { apiKeyDisplayPrefix, apiKeyPrefixes, generateApiKey, generateSecret, hashApiKey, isApiKeyOf } from './api-key.ts';
export type { ApiKeyKind } from './api-key.ts';
export { SecretBox, SecretDecryptionError, secretKeyId } from './secret-box.ts';
