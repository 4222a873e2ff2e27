import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { SecretBox, apiKeyDisplayPrefix, generateApiKey, generateSecret, hashApiKey } from '@leadrelay/credentials';
import { developmentSecretEncryptionKey } from '@leadrelay/config';

export interface TestPartnerInput {
  slug: string;
  profile: 'canonical' | 'hotwire' | 'sovendus' | 'aloware';
  name?: string;
  fieldMap?: Record<string, string>;
  defaultCountry?: string;
  auth?: { scheme: 'basic' | 'header' | 'body'; name?: string };
  rateLimitPerMinute?: number;
  disabled?: boolean;
  /** Which stored leads it may change; the schema's default (`own`) when absent. */
  changeScope?: 'own' | 'any';
}

export interface TestPartner {
  id: string;
  slug: string;
  apiKey: string;
  secret: string;
}

/** Inserts a partner the way the admin API stores one (hashed key, encrypted secret). */
export async function insertTestPartner(databaseUrl: string, input: TestPartnerInput): Promise<TestPartner> {
  const id = randomUUID();
  const apiKey = generateApiKey();
  const secret = generateSecret();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO partners (id, name, slug, profile, api_key_hash, api_key_prefix, secret_ciphertext, field_map,
         default_country, auth, rate_limit_per_minute, site_uuid, site_domain, site_login_url, disabled_at, change_scope, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())`,
      [
        id,
        input.name ?? input.slug,
        input.slug,
        input.profile,
        hashApiKey(apiKey),
        apiKeyDisplayPrefix(apiKey),
        new SecretBox([developmentSecretEncryptionKey]).encrypt(secret),
        JSON.stringify(input.fieldMap ?? {}),
        input.defaultCountry ?? null,
        input.auth ? JSON.stringify(input.auth) : null,
        input.rateLimitPerMinute ?? null,
        randomUUID(),
        'partners.example',
        'https://partners.example/leads/{leadId}',
        input.disabled ? new Date() : null,
        input.changeScope ?? 'own',
      ],
    );
  } finally {
    await client.end();
  }
  return { id, slug: input.slug, apiKey, secret };
}
