import fp from 'fastify-plugin';
import { hashApiKey } from '@leadrelay/credentials';
import type { PartnerProfile } from '@leadrelay/db';

/** What intake needs to know of a partner to authenticate and map its leads. */
export interface IntakePartner {
  id: string;
  slug: string;
  profile: PartnerProfile;
  apiKeyHash: string;
  secretCiphertext: string;
  fieldMap: Record<string, string>;
  defaultCountry: string | null;
  auth: { scheme: 'basic' | 'header' | 'body'; name?: string } | null;
  rateLimitPerMinute: number | null;
  disabled: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    partners: PartnerDirectory;
  }
}

interface CacheEntry {
  partner: IntakePartner | null;
  expiresAt: number;
}

/**
 * Partner look-ups for every request, cached for PARTNER_CACHE_TTL so the hot path does not
 * read PostgreSQL; a disabled or rotated partner takes effect within that time.
 */
export class PartnerDirectory {
  readonly #byKeyHash = new Map<string, CacheEntry>();
  readonly #bySlug = new Map<string, CacheEntry>();

  constructor(
    private readonly load: (where: { apiKeyHash: string } | { slug: string }) => Promise<IntakePartner | null>,
    private readonly ttlMs: number,
  ) {}

  findByApiKey(apiKey: string): Promise<IntakePartner | null> {
    const apiKeyHash = hashApiKey(apiKey);
    return this.#cached(this.#byKeyHash, apiKeyHash, () => this.load({ apiKeyHash }));
  }

  findBySlug(slug: string): Promise<IntakePartner | null> {
    return this.#cached(this.#bySlug, slug, () => this.load({ slug }));
  }

  async #cached(cache: Map<string, CacheEntry>, key: string, read: () => Promise<IntakePartner | null>) {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expiresAt > now) return hit.partner;
    const partner = await read();
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { partner, expiresAt: now + this.ttlMs });
    return partner;
  }
}

export default fp(
  async (app) => {
    const directory = new PartnerDirectory(async (where) => {
      const row = await app.db.partner.findUnique({ where });
      if (!row) return null;
      return {
        id: row.id,
        slug: row.slug,
        profile: row.profile,
        apiKeyHash: row.apiKeyHash,
        secretCiphertext: row.secretCiphertext,
        fieldMap: (row.fieldMap ?? {}) as Record<string, string>,
        defaultCountry: row.defaultCountry,
        auth: (row.auth ?? null) as IntakePartner['auth'],
        rateLimitPerMinute: row.rateLimitPerMinute,
        disabled: row.disabledAt !== null,
      };
    }, app.intakeConfig.PARTNER_CACHE_TTL);
    app.decorate('partners', directory);
  },
  { name: 'partner-directory', dependencies: ['infrastructure'] },
);
