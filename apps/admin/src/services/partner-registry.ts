import { randomUUID } from 'node:crypto';
import { isUniqueConstraintError, type DatabaseClient, type PartnerModel, type PartnerProfile, Prisma } from '@leadrelay/db';
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
  disabled: boolean;
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
    disabled: partner.disabledAt !== null,
    createdAt: partner.createdAt.toISOString(),
    updatedAt: partner.updatedAt.toISOString(),
  };
}
