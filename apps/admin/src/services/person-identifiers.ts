import type { DatabaseClient } from '@leadrelay/db';
import { AppError } from '@leadrelay/http-kit';
import { normalizeEmail, normalizePhone } from '@leadrelay/lead';

/** How an operator names a person: any of these, as typed. */
export interface PersonQuery {
  email?: string | undefined;
  phone?: string | undefined;
  /** Partner slug: its defaultCountry reads national phone numbers; with `externalId`, whose id it is. */
  partner?: string | undefined;
  externalId?: string | undefined;
}

/** A PersonQuery normalized exactly as intake normalizes what it stores; absent parts are null. */
export interface PersonIdentifiers {
  email: string | null;
  phone: string | null;
  partner: { id: string; defaultCountry: string | null } | null;
  externalId: string | null;
}

/**
 * Reads a PersonQuery for the lead search, erasures and suppressions alike. `source` names where
 * the fields came from (`querystring`, `body`), for the paths of the 400 it answers to a bad one; an
 * unknown partner is 404.
 */
export async function resolvePersonIdentifiers(db: DatabaseClient, query: PersonQuery, source: 'querystring' | 'body'): Promise<PersonIdentifiers> {
  const invalid = (field: string, message: string) => new AppError('validation_failed', `${field} ${message}`, [{ path: `${source}.${field}`, message }]);
  if (query.externalId !== undefined && query.partner === undefined) {
    throw invalid('partner', 'is required with externalId: external ids are unique per partner');
  }
  let partner: PersonIdentifiers['partner'] = null;
  if (query.partner !== undefined) {
    partner = await db.partner.findUnique({ where: { slug: query.partner }, select: { id: true, defaultCountry: true } });
    if (!partner) throw new AppError('not_found', `no partner with slug "${query.partner}"`);
  }
  const email = query.email === undefined ? null : normalizeEmail(query.email);
  if (query.email !== undefined && !email) throw invalid('email', 'is not a valid email address');
  const phone = query.phone === undefined ? null : normalizePhone(query.phone, partner?.defaultCountry ?? 'US');
  if (query.phone !== undefined && !phone) throw invalid('phone', 'is not a phone number');
  return { email, phone, partner, externalId: query.externalId ?? null };
}
