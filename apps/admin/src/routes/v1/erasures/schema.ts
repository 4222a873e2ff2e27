import { z } from 'zod';
import type { ErasureCountKind } from '@leadrelay/db';
import { ErrorBodySchema } from '@leadrelay/http-kit';
import { adminTokenAuth, viewerRefusal } from '../../../plugins/openapi.ts';

export const CreateErasureBody = z.strictObject({
  email: z.string().trim().min(1).max(320).optional().describe('Any case, any surrounding spaces: normalized as intake does'),
  phone: z.string().trim().min(1).max(64).optional().describe("Any format; a national number is read in the partner's defaultCountry, else US"),
  partner: z.string().trim().min(1).max(100).optional().describe('Partner slug; needed with externalId'),
  externalId: z.string().trim().min(1).max(500).optional().describe("The partner's own id for the person (e.g. a Sovendus record id)"),
  reason: z.string().trim().min(1).max(500).describe('Why, e.g. a ticket number; kept with the tombstones, so never personal data'),
});

const counts = {
  leads: 'leads made tombstones (id, partner, when and by which erasure stay)',
  submissions: 'raw submissions emptied (a stub with the SHA-256 stays) and pending activity submissions deleted',
  consents: 'consents deleted',
  activities: 'activities deleted',
  events: 'event documents (the body deliveries send) removed',
  deliveries: 'deliveries not yet made, stopped (status stopped, lastError erased)',
  attempts: "receivers' answers (first 1 KiB) removed",
  redisKeys: 'identity claims removed from Redis',
  queuedJobs: 'leads-queue jobs (waiting, delayed, failed, completed) removed or rewritten without the person',
} satisfies Record<ErasureCountKind, string>;

export const ErasureCountsSchema = z.object(
  Object.fromEntries(Object.entries(counts).map(([kind, description]) => [kind, z.number().int().describe(description)])) as Record<
    ErasureCountKind,
    z.ZodNumber
  >,
);

const ErasureStatus = z.enum(['pending', 'running', 'completed']);

export const ErasureView = z.object({
  id: z.uuid(),
  status: ErasureStatus,
  reason: z.string(),
  requestedBy: z.string().describe('The operator (or bootstrap) that asked'),
  requestedAt: z.string(),
  completedAt: z.string().nullable(),
  leadIds: z.array(z.uuid()).describe('The leads erased: their ids still resolve, to "erased"'),
  counts: ErasureCountsSchema.describe('What was removed so far, per kind'),
});

const tags = ['erasures'];
const refused = { 401: ErrorBodySchema, 429: ErrorBodySchema };

export const createErasureSchema = {
  operationId: 'createErasure',
  ...adminTokenAuth,
  tags,
  summary: 'Erase a person everywhere (owners only)',
  description:
    'Names the person by email, phone, or partner and externalId (identifiers go in the body, never the path). The worker removes ' +
    'them from leads, raw submissions, consents, activities, event documents, attempt answers, Redis claims and queued jobs, and ' +
    'stops deliveries not yet made; a tombstone of each lead stays. Answers 202 at once: follow it with GET /v1/erasures/{id}.',
  body: CreateErasureBody,
  response: { 202: z.object({ id: z.uuid(), status: ErasureStatus }), 400: ErrorBodySchema, 404: ErrorBodySchema, ...viewerRefusal, ...refused },
};

export const getErasureSchema = {
  operationId: 'getErasure',
  ...adminTokenAuth,
  tags,
  summary: 'How far an erasure got, and what it removed (owners only)',
  params: z.object({ id: z.uuid() }),
  response: { 200: ErasureView, 400: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, ...refused },
};
