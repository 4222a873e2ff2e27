import fp from 'fastify-plugin';
import { describeDatabaseError } from '@leadrelay/db';
import { PartnerDirectory, type IntakePartner, type PartnerDirectoryOptions } from '../services/partner-directory.ts';

declare module 'fastify' {
  interface FastifyInstance {
    partners: PartnerDirectory;
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
    const { PARTNER_CACHE_TTL: ttlMs, PARTNER_CACHE_MAX_STALE: maxStaleMs } = app.intakeConfig;
    const log = app.log.child({ component: 'partner-directory' });
    // The reason only (describeDatabaseError): never the query's values, keys or slugs.
    const directory = new PartnerDirectory({
      load,
      ttlMs,
      maxStaleMs,
      events: {
        readsFailing: (error) => log.warn({ reason: describeDatabaseError(error) }, 'partner settings cannot be read from PostgreSQL'),
        servingStale: () =>
          log.warn(
            { maxStaleMs },
            'PostgreSQL is unreachable: known partners are served from the last good copy of their settings; unknown keys and slugs get 503',
          ),
        staleTooOld: () => log.warn({ maxStaleMs }, 'PostgreSQL is still unreachable: partner settings older than PARTNER_CACHE_MAX_STALE are not used, their requests get 503'),
        readsRecovered: (outageMs) => log.info({ outageMs }, 'partner settings are read from PostgreSQL again'),
        refreshFailed: (error) => log.warn({ reason: describeDatabaseError(error) }, 'partner settings could not be read again; the cached ones are used until they expire'),
      },
    });
    app.decorate('partners', directory);
  },
  { name: 'partner-directory', dependencies: ['infrastructure'] },
);
