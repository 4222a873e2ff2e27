export { apiKeyDisplayPrefix, generateApiKey, generateSecret, hashApiKey } from './api-key.ts';
export { SecretBox, SecretDecryptionError } from './secret-box.ts';
