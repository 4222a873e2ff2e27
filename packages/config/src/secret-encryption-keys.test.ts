import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonEnvShape, developmentSecretEncryptionKey, secretEncryptionKeysOf } from './common-env.ts';

// Composed as every app that reads or writes secrets composes it.
const Schema = z.object(commonEnvShape).transform((env, ctx) => ({ ...env, SECRET_ENCRYPTION_KEYS: secretEncryptionKeysOf(env, ctx) }));

const newKey = 'new-secret-encryption-key-0123456789abcdef';
const oldKey = 'old-secret-encryption-key-0123456789abcdef';

function firstIssue(env: Record<string, string>): string {
  const result = Schema.safeParse(env);
  if (result.success) throw new Error('expected the environment to be refused');
  const issue = result.error.issues[0]!;
  return `${issue.path.join('.')}: ${issue.message}`;
}

describe('SECRET_ENCRYPTION_KEYS and SECRET_ENCRYPTION_KEY', () => {
  it('reads a comma-separated list newest first, spaces ignored', () => {
    expect(Schema.parse({ SECRET_ENCRYPTION_KEYS: ` ${newKey} , ${oldKey}` }).SECRET_ENCRYPTION_KEYS).toEqual([newKey, oldKey]);
  });

  it('takes SECRET_ENCRYPTION_KEY as a list of one, and the development key outside production', () => {
    expect(Schema.parse({ SECRET_ENCRYPTION_KEY: oldKey }).SECRET_ENCRYPTION_KEYS).toEqual([oldKey]);
    expect(Schema.parse({}).SECRET_ENCRYPTION_KEYS).toEqual([developmentSecretEncryptionKey]);
  });

  it('refuses short, empty or repeated keys, both variables at once, and neither in production', () => {
    expect(firstIssue({ SECRET_ENCRYPTION_KEYS: `${newKey},short` })).toBe('SECRET_ENCRYPTION_KEYS.1: must be at least 32 characters');
    expect(firstIssue({ SECRET_ENCRYPTION_KEYS: `${newKey},` })).toBe('SECRET_ENCRYPTION_KEYS.1: must be at least 32 characters');
    expect(firstIssue({ SECRET_ENCRYPTION_KEYS: `${newKey},${newKey}` })).toBe('SECRET_ENCRYPTION_KEYS: lists the same key twice');
    expect(firstIssue({ SECRET_ENCRYPTION_KEYS: newKey, SECRET_ENCRYPTION_KEY: oldKey })).toMatch(/^SECRET_ENCRYPTION_KEY: set SECRET_ENCRYPTION_KEYS or SECRET_ENCRYPTION_KEY, not both/);
    expect(firstIssue({ NODE_ENV: 'production' })).toBe('SECRET_ENCRYPTION_KEYS: is required when NODE_ENV=production (or SECRET_ENCRYPTION_KEY)');
    expect(Schema.parse({ NODE_ENV: 'production', SECRET_ENCRYPTION_KEY: oldKey }).SECRET_ENCRYPTION_KEYS).toEqual([oldKey]);
  });
});
