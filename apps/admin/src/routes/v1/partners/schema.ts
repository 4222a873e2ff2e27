import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';

const Profile = z.enum(['canonical', 'hotwire', 'sovendus', 'aloware']);
const PartnerAuth = z.object({
  scheme: z.enum(['basic', 'header', 'body']),
  name: z.string().min(1).max(100).optional(),
});

export const CreatePartnerBody = z.object({
  name: z.string().trim().min(1).max(200),
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and -, 2 to 63 characters'),
  profile: Profile,
  fieldMap: z.record(z.string().min(1).max(100), z.string().min(1).max(100)).optional(),
  defaultCountry: z.string().regex(/^[A-Za-z]{2}$/, 'an ISO 3166 alpha-2 code such as US or DE').optional(),
  auth: PartnerAuth.optional(),
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional(),
  siteDomain: z.string().min(1).max(253).optional(),
  siteLoginUrl: z.string().min(1).max(2000).optional(),
  leadRole: z.enum(['Buyer', 'Seller', 'Potential Seller']).optional(),
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
  disabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const CreatedPartner = PartnerView.extend({
  apiKey: z.string().describe('Shown only now; stored as a hash.'),
  secret: z.string().describe('Shown only now; stored encrypted.'),
});

export const PartnerIdParams = z.object({ id: z.uuid() });

const auth = { security: [{ bearerAuth: [] }] as Record<string, string[]>[] };

export const createPartnerSchema = {
  ...auth,
  summary: 'Onboard a partner',
  tags: ['partners'],
  body: CreatePartnerBody,
  response: { 201: CreatedPartner, 400: ErrorBodySchema, 401: ErrorBodySchema, 409: ErrorBodySchema },
};

export const listPartnersSchema = {
  ...auth,
  summary: 'List partners',
  tags: ['partners'],
  response: { 200: z.object({ partners: z.array(PartnerView) }), 401: ErrorBodySchema },
};

export const getPartnerSchema = {
  ...auth,
  summary: 'Get a partner',
  tags: ['partners'],
  params: PartnerIdParams,
  response: { 200: PartnerView, 400: ErrorBodySchema, 401: ErrorBodySchema, 404: ErrorBodySchema },
};
