export { apiKeyDisplayPrefix, generateApiKey, generateSecret, hashApiKey } from './api-key.ts';
export { SecretBox, SecretDecryptionError, secretKeyId } from './secret-box.ts';
