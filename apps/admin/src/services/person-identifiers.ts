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
  if (query.externalId !== undefined && query.partner === undefined) {
    throw invalidField(`${source}.partner`, 'partner', 'is required with externalId: external ids are unique per partner');
  }
  const partner = query.partner === undefined ? null : await findPartner(db, query.partner);
  const { email, phone } = normalizePerson(query, partner?.defaultCountry ?? null, (field) => `${source}.${field}`);
  return { email, phone, partner, externalId: query.externalId ?? null };
}

/** The partner a slug names (404 if none), with the country its national phone numbers are read in. */
export async function findPartner(db: DatabaseClient, slug: string): Promise<NonNullable<PersonIdentifiers['partner']>> {
  const partner = await db.partner.findUnique({ where: { slug }, select: { id: true, defaultCountry: true } });
  if (!partner) throw new AppError('not_found', `no partner with slug "${slug}"`);
  return partner;
}

/** An email and a phone normalized as intake does (national numbers in `defaultCountry`, else US); a bad one is 400 at `pathOf(field)`. */
export function normalizePerson(
  person: { email?: string | undefined; phone?: string | undefined },
  defaultCountry: string | null,
  pathOf: (field: 'email' | 'phone') => string,
): { email: string | null; phone: string | null } {
  const email = person.email === undefined ? null : normalizeEmail(person.email);
  if (person.email !== undefined && !email) throw invalidField(pathOf('email'), 'email', 'is not a valid email address');
  const phone = person.phone === undefined ? null : normalizePhone(person.phone, defaultCountry ?? 'US');
  if (person.phone !== undefined && !phone) throw invalidField(pathOf('phone'), 'phone', 'is not a phone number');
  return { email, phone };
}

function invalidField(path: string, field: string, message: string): AppError {
  return new AppError('validation_failed', `${field} ${message}`, [{ path, message }]);
}
