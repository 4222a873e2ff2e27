import { z } from 'zod';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { subscriberKeyAuth } from '../../../plugins/openapi.ts';

export const MeView = z.object({
  id: z.uuid(),
  name: z.string(),
  contactEmail: z.string().nullable(),
  maxDestinations: z.number().int().describe('Destinations it may register'),
  destinationCount: z.number().int().describe('Destinations it registered that are not deleted'),
  apiKeyPrefix: z.string(),
  createdAt: z.string(),
});

export const getMeSchema = {
  operationId: 'getMe',
  ...subscriberKeyAuth,
  tags: ['me'],
  summary: 'The subscriber the key belongs to',
  response: { 200: MeView, 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema },
};
