import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';

const EventTypeSchema = z.enum(['created', 'updated', 'activity_added']);

export const CreateDestinationBody = z.object({
  name: z.string().trim().min(1).max(200),
  url: z.string().max(2000).describe('http(s) URL that receives POSTs as seed 003 describes'),
  secret: z.string().min(16, 'at least 16 characters').max(200).optional().describe('Generated when not given'),
  partnerId: z.string().max(200).optional().describe('Sent as `partner_id` in every lead document'),
  events: z.array(EventTypeSchema).max(3).optional().describe('Default: all three'),
  sources: z.array(z.string().min(1).max(63)).max(1000).optional().describe('Partner slugs; default: every partner'),
  timeoutMs: z.number().int().min(100).max(60_000).optional(),
  maxConcurrency: z.number().int().min(1).max(1000).optional(),
});

export const DestinationView = z.object({
  id: z.uuid(),
  name: z.string(),
  url: z.string(),
  partnerId: z.string().nullable(),
  events: z.array(EventTypeSchema),
  sources: z.array(z.string()),
  timeoutMs: z.number().int(),
  maxConcurrency: z.number().int(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  secretSwitchAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const CreatedDestination = DestinationView.extend({
  secret: z.string().describe('The signing secret; shown only now.'),
});

const auth = { security: [{ bearerAuth: [] }] as Record<string, string[]>[] };

export const createDestinationSchema = {
  ...auth,
  summary: 'Register a destination',
  tags: ['destinations'],
  body: CreateDestinationBody,
  response: { 201: CreatedDestination, 400: ErrorBodySchema, 401: ErrorBodySchema },
};

export const listDestinationsSchema = {
  ...auth,
  summary: 'List destinations',
  tags: ['destinations'],
  response: { 200: z.object({ destinations: z.array(DestinationView) }), 401: ErrorBodySchema },
};

export const getDestinationSchema = {
  ...auth,
  summary: 'Get a destination',
  tags: ['destinations'],
  params: z.object({ id: z.uuid() }),
  response: { 200: DestinationView, 400: ErrorBodySchema, 401: ErrorBodySchema, 404: ErrorBodySchema },
};
