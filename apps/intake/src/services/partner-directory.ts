import { hashApiKey } from '@leadrelay/credentials';
import { isDatabaseUnavailableError, type PartnerChangeScope, type PartnerProfile } from '@leadrelay/db';
import { AppError } from '@leadrelay/http-kit';

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

interface CacheEntry {
  partner: IntakePartner | null;
  /** When the read that produced it started: the data is at least this fresh. */
  readAtMs: number;
}

/** What the directory tells its owner (who logs it): each at most once per outage. */
export interface PartnerDirectoryEvents {
  /** A read failed because PostgreSQL cannot be reached: an outage begins. */
  readsFailing(error: unknown): void;
  /** A partner was answered, for the first time in this outage, from settings older than the TTL. */
  servingStale(): void;
  /** A partner's last good copy, for the first time in this outage, was older than maxStaleMs: 503s. */
  staleTooOld(): void;
  /** A read succeeded again after an outage that lasted `outageMs`. */
  readsRecovered(outageMs: number): void;
  /** A background read failed for another reason than an outage; the cached entry stays until it expires. */
  refreshFailed(error: unknown): void;
}

export interface PartnerDirectoryOptions {
  /** Reads one partner from PostgreSQL. */
  load: (where: { apiKeyHash: string } | { slug: string }) => Promise<IntakePartner | null>;
  /** How long a read is used at most: a disabled or rotated partner takes effect within this. */
  ttlMs: number;
  /**
   * While PostgreSQL cannot be reached, how old a known partner's last good copy may be and still
   * be used; past it (and for keys or slugs not known) requests get 503.
   */
  maxStaleMs: number;
  events: PartnerDirectoryEvents;
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
 *
 * While PostgreSQL cannot be reached, a known partner is served from its last good copy for up
 * to PARTNER_CACHE_MAX_STALE: its leads only need Redis, and "503, retry" for every partner would
 * turn a database outage into an intake outage. What cannot be decided without PostgreSQL (a key
 * or slug not read before, a copy too old) is a 503, never a 401 or 404 (the partner may exist).
 */
export class PartnerDirectory {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #reads = new Map<string, Promise<IntakePartner | null>>();
  readonly #options: PartnerDirectoryOptions;
  /** Set while reads fail for an outage: when it began, and what was said about it already. */
  #outage: { sinceMs: number; servedStale: boolean; staleTooOld: boolean; probing: boolean; nextProbeAtMs: number } | undefined;

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
      if (ageMs >= this.#options.ttlMs / 2) {
        if (this.#outage) this.#probe(cacheKey, where);
        else this.#refreshInBackground(cacheKey, where);
      }
      return entry!.partner;
    }
    // In an outage nothing waits for a read that is likely to fail (on a host that drops packets,
    // for the pool's connect timeout) and requests do not each send one: a known partner gets its
    // last good copy at once, anything else a 503, and a probe read now and then finds PostgreSQL back.
    if (this.#outage) {
      this.#probe(cacheKey, where);
      return this.#decideWithoutDatabase(entry, undefined);
    }
    try {
      return await this.#read(cacheKey, where);
    } catch (error) {
      if (!isDatabaseUnavailableError(error)) throw error;
      return this.#decideWithoutDatabase(this.#entries.get(cacheKey), error);
    }
  }

  /** The last good copy while it is young enough, else a 503 (the partner may well exist). */
  #decideWithoutDatabase(entry: CacheEntry | undefined, error: unknown): IntakePartner {
    if (entry?.partner && Date.now() - entry.readAtMs < this.#options.maxStaleMs) return this.#serveStale(entry.partner);
    if (entry?.partner && this.#outage && !this.#outage.staleTooOld) {
      this.#outage.staleTooOld = true;
      this.#options.events.staleTooOld();
    }
    throw new AppError('service_unavailable', 'partner settings cannot be read right now, retry later', undefined, error === undefined ? undefined : { cause: error });
  }

  /** During an outage, one read at a time and at most one each half TTL, in the background. */
  #probe(cacheKey: string, where: { apiKeyHash: string } | { slug: string }): void {
    const outage = this.#outage!;
    const nowMs = Date.now();
    if (outage.probing || nowMs < outage.nextProbeAtMs) return;
    const probe = this.#refreshInBackground(cacheKey, where);
    if (!probe) return;
    outage.probing = true;
    outage.nextProbeAtMs = nowMs + this.#options.ttlMs / 2;
    void probe.then(() => {
      outage.probing = false;
    });
  }

  #serveStale(partner: IntakePartner): IntakePartner {
    if (this.#outage && !this.#outage.servedStale) {
      this.#outage.servedStale = true;
      this.#options.events.servingStale();
    }
    return partner;
  }

  /** Starts a read nobody waits for, unless one for the key is under way; settles when it is done. */
  #refreshInBackground(cacheKey: string, where: { apiKeyHash: string } | { slug: string }): Promise<void> | undefined {
    if (this.#reads.has(cacheKey)) return undefined;
    return this.#read(cacheKey, where).then(
      () => undefined,
      (error: unknown) => {
        // An outage is reported once, by #read; anything else each time.
        if (!isDatabaseUnavailableError(error)) this.#options.events.refreshFailed(error);
      },
    );
  }

  /** One read per key at a time; callers arriving meanwhile get the same one. */
  #read(cacheKey: string, where: { apiKeyHash: string } | { slug: string }): Promise<IntakePartner | null> {
    const pending = this.#reads.get(cacheKey);
    if (pending) return pending;
    const readAtMs = Date.now();
    const read = this.#options
      .load(where)
      .then(
        (partner) => {
          this.#store(cacheKey, { partner, readAtMs });
          if (this.#outage) {
            const outageMs = Date.now() - this.#outage.sinceMs;
            this.#outage = undefined;
            this.#options.events.readsRecovered(outageMs);
          }
          return partner;
        },
        (error: unknown) => {
          if (isDatabaseUnavailableError(error) && !this.#outage) {
            this.#outage = { sinceMs: readAtMs, servedStale: false, staleTooOld: false, probing: false, nextProbeAtMs: 0 };
            this.#options.events.readsFailing(error);
          }
          throw error;
        },
      )
      .finally(() => this.#reads.delete(cacheKey));
    this.#reads.set(cacheKey, read);
    return read;
  }

  #store(cacheKey: string, entry: CacheEntry): void {
    if (this.#entries.size >= maxCachedEntries) {
      // Unknown keys go first, so a flood of made-up keys cannot push out the partners whose
      // last good copies an outage would need.
      for (const [key, cached] of this.#entries) if (cached.partner === null) this.#entries.delete(key);
      if (this.#entries.size >= maxCachedEntries) this.#entries.clear();
    }
    this.#entries.set(cacheKey, entry);
  }
}
