import fp from 'fastify-plugin';
import { hashApiKey } from '@leadrelay/credentials';
import type { PartnerChangeScope, PartnerProfile } from '@leadrelay/db';

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
  /** Which stored leads it may change: `own` (created or submitted before by it) or `any`. */
  changeScope: PartnerChangeScope;
  disabled: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    partners: PartnerDirectory;
  }
}

interface CacheEntry {
  partner: IntakePartner | null;
  /** When the read that produced it started: the data is at least this fresh. */
  readAtMs: number;
}

export interface PartnerDirectoryOptions {
  /** Reads one partner from PostgreSQL. */
  load: (where: { apiKeyHash: string } | { slug: string }) => Promise<IntakePartner | null>;
  /** How long a read is used at most: a disabled or rotated partner takes effect within this. */
  ttlMs: number;
  /** A background refresh failed; the cached entry is kept until it expires. */
  onRefreshError: (error: unknown) => void;
}

/** Cache entries kept at most; past it the cache starts again (an unknown-key flood cannot grow it). */
const maxCachedEntries = 10_000;

/**
 * Partner look-ups for every request, cached for PARTNER_CACHE_TTL so the hot path does not
 * read PostgreSQL; a disabled or rotated partner takes effect within that time.
 *
 * A partner in use is read again in the background once half its time is gone, so under steady
 * traffic no request waits for PostgreSQL; requests that do have to wait for one (a new key, an
 * expired entry) share one read instead of each sending its own, which every few seconds queued
 * hundreds of identical reads on the pool and stalled every request behind them.
 */
export class PartnerDirectory {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #reads = new Map<string, Promise<IntakePartner | null>>();
  readonly #options: PartnerDirectoryOptions;

  constructor(options: PartnerDirectoryOptions) {
    this.#options = options;
  }

  findByApiKey(apiKey: string): Promise<IntakePartner | null> {
    const apiKeyHash = hashApiKey(apiKey);
    return this.#find(`key:${apiKeyHash}`, { apiKeyHash });
  }

  findBySlug(slug: string): Promise<IntakePartner | null> {
    return this.#find(`slug:${slug}`, { slug });
  }

  async #find(cacheKey: string, where: { apiKeyHash: string } | { slug: string }): Promise<IntakePartner | null> {
    const entry = this.#entries.get(cacheKey);
    const ageMs = entry ? Date.now() - entry.readAtMs : Infinity;
    if (ageMs < this.#options.ttlMs) {
      if (ageMs >= this.#options.ttlMs / 2 && !this.#reads.has(cacheKey)) {
        this.#read(cacheKey, where).catch(this.#options.onRefreshError);
      }
      return entry!.partner;
    }
    return this.#read(cacheKey, where);
  }

  /** One read per key at a time; callers arriving meanwhile get the same one. */
  #read(cacheKey: string, where: { apiKeyHash: string } | { slug: string }): Promise<IntakePartner | null> {
    const pending = this.#reads.get(cacheKey);
    if (pending) return pending;
    const readAtMs = Date.now();
    const read = this.#options
      .load(where)
      .then((partner) => {
        if (this.#entries.size >= maxCachedEntries) this.#entries.clear();
        this.#entries.set(cacheKey, { partner, readAtMs });
        return partner;
      })
      .finally(() => this.#reads.delete(cacheKey));
    this.#reads.set(cacheKey, read);
    return read;
  }
}

export default fp(
  async (app) => {
    const load: PartnerDirectoryOptions['load'] = async (where) => {
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
        changeScope: row.changeScope,
        disabled: row.disabledAt !== null,
      };
    };
    const directory = new PartnerDirectory({
      load,
      ttlMs: app.intakeConfig.PARTNER_CACHE_TTL,
      onRefreshError: (error) => app.log.warn({ err: error }, 'partner settings could not be read again; the cached ones are used until they expire'),
    });
    app.decorate('partners', directory);
  },
  { name: 'partner-directory', dependencies: ['infrastructure'] },
);
