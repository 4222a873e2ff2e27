import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

const Profile = z.enum(['canonical', 'hotwire', 'sovendus', 'aloware']);
const PartnerAuth = z.object({
  scheme: z.enum(['basic', 'header', 'body']),
  name: z.string().min(1).max(100).optional(),
});

const PartnerName = z.string().trim().min(1).max(200);
const FieldMap = z.record(z.string().min(1).max(100), z.string().min(1).max(100));
const DefaultCountry = z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166 alpha-2 code such as US or DE');
const RateLimitPerMinute = z.number().int().min(1).max(1_000_000);
const SiteDomain = z.string().min(1).max(253);
const SiteLoginUrl = z.string().min(1).max(2000);
const LeadRole = z.enum(['Buyer', 'Seller', 'Potential Seller']);
const Sandbox = z
  .boolean()
  .describe("A sandbox partner's leads go to test destinations only (CRMs trying their receiver), never to live ones; default false");
const ChangeScope = z
  .enum(['own', 'any'])
  .describe("Which stored leads the partner may change (onDuplicate=update, aloware force_update, activities): `own` (default) only leads it created or has itself submitted before, `any` every lead (a partner you trust). A refused change is answered like a duplicate.");

export const CreatePartnerBody = z.object({
  name: PartnerName,
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and -, 2 to 63 characters'),
  profile: Profile,
  fieldMap: FieldMap.optional(),
  defaultCountry: DefaultCountry.optional(),
  auth: PartnerAuth.optional(),
  rateLimitPerMinute: RateLimitPerMinute.optional(),
  siteDomain: SiteDomain.optional(),
  siteLoginUrl: SiteLoginUrl.optional(),
  leadRole: LeadRole.optional(),
  changeScope: ChangeScope.optional(),
  sandbox: Sandbox.optional(),
});

// Strict, so an attempt to change slug or profile (which partners' integrations are built on)
// is a clear 400 instead of being silently ignored.
export const UpdatePartnerBody = z.strictObject({
  name: PartnerName.optional(),
  fieldMap: FieldMap.optional(),
  defaultCountry: DefaultCountry.nullable().optional().describe('null: phone numbers are read as US numbers'),
  auth: PartnerAuth.nullable().optional().describe("null: the profile's default authentication"),
  rateLimitPerMinute: RateLimitPerMinute.nullable().optional().describe("null: intake's default limit"),
  siteDomain: SiteDomain.optional(),
  siteLoginUrl: SiteLoginUrl.optional(),
  leadRole: LeadRole.optional(),
  changeScope: ChangeScope.optional(),
  sandbox: Sandbox.optional(),
});

export const PartnerView = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  profile: Profile,
  apiKeyPrefix: z.string(),
  fieldMap: z.record(z.string(), z.string()),
  defaultCountry: z.string().nullable(),
  auth: PartnerAuth.nullable(),
  rateLimitPerMinute: z.number().int().nullable(),
  siteUuid: z.uuid(),
  siteDomain: z.string(),
  siteLoginUrl: z.string(),
  leadRole: z.string(),
  changeScope: ChangeScope,
  sandbox: Sandbox,
  disabled: z.boolean(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const CreatedPartner = PartnerView.extend({
  apiKey: z.string().describe('Shown only now; stored as a hash.'),
  secret: z.string().describe('Shown only now; stored encrypted.'),
});

const partnerChangeAnswers = { ...viewerRefusal, 200: PartnerView, 400: ErrorBodySchema, 401: ErrorBodySchema, 429: ErrorBodySchema, 404: ErrorBodySchema };

export const PartnerIdParams = z.object({ id: z.uuid() });

export const createPartnerSchema = {
  operationId: 'createPartner',
  ...adminTokenAuth,
  summary: 'Onboard a partner',
  tags: ['partners'],
  body: CreatePartnerBody,
  response: { ...viewerRefusal, 201: CreatedPartner, 400: ErrorBodySchema, 401: ErrorBodySchema, 429: ErrorBodySchema, 409: ErrorBodySchema },
};

export const listPartnersSchema = {
  operationId: 'listPartners',
  ...adminTokenAuth,
  summary: 'List partners',
  tags: ['partners'],
  response: { 200: z.object({ partners: z.array(PartnerView) }), 401: ErrorBodySchema, 429: ErrorBodySchema },
};

export const getPartnerSchema = {
  operationId: 'getPartner',
  ...adminTokenAuth,
  summary: 'Get a partner',
  tags: ['partners'],
  params: PartnerIdParams,
  response: { 200: PartnerView, 400: ErrorBodySchema, 401: ErrorBodySchema, 429: ErrorBodySchema, 404: ErrorBodySchema },
};

export const updatePartnerSchema = {
  operationId: 'updatePartner',
  ...adminTokenAuth,
  summary: 'Change a partner',
  description: 'Only the fields sent change; `null` clears an optional setting. Intake sees changes within PARTNER_CACHE_TTL.',
  tags: ['partners'],
  params: PartnerIdParams,
  body: UpdatePartnerBody,
  response: partnerChangeAnswers,
};

export const disablePartnerSchema = {
  operationId: 'disablePartner',
  ...adminTokenAuth,
  summary: 'Disable a partner',
  description: 'Intake answers its requests 403 once its partner cache expires (PARTNER_CACHE_TTL, default 5 s).',
  tags: ['partners'],
  params: PartnerIdParams,
  response: partnerChangeAnswers,
};

export const enablePartnerSchema = {
  operationId: 'enablePartner',
  ...adminTokenAuth,
  summary: 'Enable a disabled partner',
  tags: ['partners'],
  params: PartnerIdParams,
  response: partnerChangeAnswers,
};

export const rotatePartnerCredentialsSchema = {
  operationId: 'rotatePartnerCredentials',
  ...adminTokenAuth,
  summary: "Replace a partner's API key and secret",
  description:
    'Answers the new key and secret once. The old key stops working when intake\'s partner cache expires (PARTNER_CACHE_TTL, default 5 s); there is no overlap.',
  tags: ['partners'],
  params: PartnerIdParams,
  response: { ...viewerRefusal, 200: CreatedPartner, 400: ErrorBodySchema, 401: ErrorBodySchema, 429: ErrorBodySchema, 404: ErrorBodySchema },
};
