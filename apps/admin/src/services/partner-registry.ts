import { randomUUID } from 'node:crypto';
import {
  isRecordNotFoundError,
  isUniqueConstraintError,
  type DatabaseClient,
  type PartnerModel,
  type PartnerChangeScope,
  type PartnerProfile,
  Prisma,
} from '@leadrelay/db';
import { apiKeyDisplayPrefix, generateApiKey, generateSecret, hashApiKey, type SecretBox } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';

export interface CreatePartnerInput {
  name: string;
  slug: string;
  profile: PartnerProfile;
  fieldMap?: Record<string, string>;
  defaultCountry?: string;
  auth?: { scheme: 'basic' | 'header' | 'body'; name?: string };
  rateLimitPerMinute?: number;
  siteDomain?: string;
  siteLoginUrl?: string;
  leadRole?: string;
  changeScope?: PartnerChangeScope;
  sandbox?: boolean;
}

/**
 * What an operator may change after onboarding. `null` clears an optional setting; slug and
 * profile are fixed because partners' integrations are built on them.
 */
export interface UpdatePartnerInput {
  name?: string;
  fieldMap?: Record<string, string>;
  defaultCountry?: string | null;
  auth?: { scheme: 'basic' | 'header' | 'body'; name?: string } | null;
  rateLimitPerMinute?: number | null;
  siteDomain?: string;
  siteLoginUrl?: string;
  leadRole?: string;
  changeScope?: PartnerChangeScope;
  sandbox?: boolean;
}

/** A partner as operators see it: never its key or secret. */
export interface PartnerView {
  id: string;
  name: string;
  slug: string;
  profile: PartnerProfile;
  apiKeyPrefix: string;
  fieldMap: Record<string, string>;
  defaultCountry: string | null;
  auth: { scheme: 'basic' | 'header' | 'body'; name?: string } | null;
  rateLimitPerMinute: number | null;
  siteUuid: string;
  siteDomain: string;
  siteLoginUrl: string;
  leadRole: string;
  changeScope: PartnerChangeScope;
  sandbox: boolean;
  disabled: boolean;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Returned once, at creation or rotation. */
export interface PartnerCredentials {
  apiKey: string;
  secret: string;
}

export class PartnerRegistry {
  constructor(
    private readonly db: DatabaseClient,
    private readonly secretBox: SecretBox,
    /** Base for the default `site_login_url` of lead documents. */
    private readonly adminPublicUrl: string,
  ) {}

  async create(input: CreatePartnerInput): Promise<PartnerView & PartnerCredentials> {
    const apiKey = generateApiKey();
    const secret = generateSecret();
    try {
      const partner = await this.db.partner.create({
        data: {
          id: randomUUID(),
          name: input.name,
          slug: input.slug,
          profile: input.profile,
          apiKeyHash: hashApiKey(apiKey),
          apiKeyPrefix: apiKeyDisplayPrefix(apiKey),
          secretCiphertext: this.secretBox.encrypt(secret),
          fieldMap: input.fieldMap ?? {},
          defaultCountry: input.defaultCountry?.toUpperCase() ?? null,
          auth: input.auth ?? Prisma.DbNull,
          rateLimitPerMinute: input.rateLimitPerMinute ?? null,
          siteUuid: randomUUID(),
          siteDomain: input.siteDomain ?? new URL(this.adminPublicUrl).host,
          siteLoginUrl: input.siteLoginUrl ?? `${this.adminPublicUrl.replace(/\/$/, '')}/v1/leads/{leadId}`,
          leadRole: input.leadRole ?? 'Buyer',
          changeScope: input.changeScope ?? 'own',
          sandbox: input.sandbox ?? false,
        },
      });
      return { ...toPartnerView(partner), apiKey, secret };
    } catch (error) {
      if (isUniqueConstraintError(error)) throw new AppError('conflict', `a partner with slug "${input.slug}" already exists`);
      throw error;
    }
  }

  async list(): Promise<PartnerView[]> {
    const partners = await this.db.partner.findMany({ orderBy: { createdAt: 'asc' } });
    return partners.map(toPartnerView);
  }

  async get(id: string): Promise<PartnerView> {
    const partner = await this.db.partner.findUnique({ where: { id } });
    if (!partner) throw new AppError('not_found', `no partner ${id}`);
    return toPartnerView(partner);
  }

  async update(id: string, input: UpdatePartnerInput): Promise<PartnerView> {
    const data: Prisma.PartnerUpdateInput = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.fieldMap !== undefined) data.fieldMap = input.fieldMap;
    if (input.defaultCountry !== undefined) data.defaultCountry = input.defaultCountry?.toUpperCase() ?? null;
    if (input.auth !== undefined) data.auth = input.auth ?? Prisma.DbNull;
    if (input.rateLimitPerMinute !== undefined) data.rateLimitPerMinute = input.rateLimitPerMinute;
    if (input.siteDomain !== undefined) data.siteDomain = input.siteDomain;
    if (input.siteLoginUrl !== undefined) data.siteLoginUrl = input.siteLoginUrl;
    if (input.leadRole !== undefined) data.leadRole = input.leadRole;
    if (input.changeScope !== undefined) data.changeScope = input.changeScope;
    if (input.sandbox !== undefined) data.sandbox = input.sandbox;
    return toPartnerView(await this.#update(id, data));
  }

  /**
   * A disabled partner's requests are refused by intake (403) once its cache expires
   * (PARTNER_CACHE_TTL); its leads stay. Disabling twice keeps the first time.
   */
  async disable(id: string): Promise<PartnerView> {
    const partner = await this.db.partner.findUnique({ where: { id } });
    if (!partner) throw new AppError('not_found', `no partner ${id}`);
    if (partner.disabledAt) return toPartnerView(partner);
    return toPartnerView(await this.#update(id, { disabledAt: new Date() }));
  }

  async enable(id: string): Promise<PartnerView> {
    return toPartnerView(await this.#update(id, { disabledAt: null }));
  }

  /**
   * New API key and secret, returned once. The old key stops working as soon as intake's partner
   * cache expires (PARTNER_CACHE_TTL); there is no overlap, so the partner must switch at once.
   */
  async rotateCredentials(id: string): Promise<PartnerView & PartnerCredentials> {
    const apiKey = generateApiKey();
    const secret = generateSecret();
    const partner = await this.#update(id, {
      apiKeyHash: hashApiKey(apiKey),
      apiKeyPrefix: apiKeyDisplayPrefix(apiKey),
      secretCiphertext: this.secretBox.encrypt(secret),
    });
    return { ...toPartnerView(partner), apiKey, secret };
  }

  async #update(id: string, data: Prisma.PartnerUpdateInput): Promise<PartnerModel> {
    try {
      return await this.db.partner.update({ where: { id }, data });
    } catch (error) {
      if (isRecordNotFoundError(error)) throw new AppError('not_found', `no partner ${id}`);
      throw error;
    }
  }
}

export function toPartnerView(partner: PartnerModel): PartnerView {
  return {
    id: partner.id,
    name: partner.name,
    slug: partner.slug,
    profile: partner.profile,
    apiKeyPrefix: partner.apiKeyPrefix,
    fieldMap: partner.fieldMap as Record<string, string>,
    defaultCountry: partner.defaultCountry,
    auth: partner.auth as PartnerView['auth'],
    rateLimitPerMinute: partner.rateLimitPerMinute,
    siteUuid: partner.siteUuid,
    siteDomain: partner.siteDomain,
    siteLoginUrl: partner.siteLoginUrl,
    leadRole: partner.leadRole,
    changeScope: partner.changeScope,
    sandbox: partner.sandbox,
    disabled: partner.disabledAt !== null,
    disabledAt: partner.disabledAt?.toISOString() ?? null,
    createdAt: partner.createdAt.toISOString(),
    updatedAt: partner.updatedAt.toISOString(),
  };
}
