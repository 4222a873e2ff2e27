import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { normalizeCanonicalLead } from '@leadrelay/lead';
import { submitLeadsSchema, type ItemResult, type SubmitLeadsAnswer } from './schema.ts';
import type { AcceptanceContext, AcceptedItem } from '../../../services/lead-acceptance.ts';

const leadsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/', { schema: submitLeadsSchema, preHandler: app.authenticateCanonical }, async (request, reply) => {
    const items = Array.isArray(request.body) ? request.body : [request.body];
    const answer = await submitCanonicalLeads(app, items, request.partner.defaultCountry, {
      partnerId: request.partner.id,
      route: 'POST /v1/leads',
      requestId: request.id,
      onDuplicate: request.query.onDuplicate,
    });
    const allRejected = answer.counts.rejected === answer.results.length;
    return reply.status(allRejected ? 400 : 202).send(answer);
  });
};

/** Validates each item on its own, accepts the valid ones, and answers one result per item in order. */
async function submitCanonicalLeads(
  app: FastifyInstance,
  items: unknown[],
  defaultCountry: string | null,
  context: AcceptanceContext,
): Promise<SubmitLeadsAnswer> {
  const results: ItemResult[] = [];
  const accepted: { index: number; item: AcceptedItem }[] = [];
  items.forEach((raw, index) => {
    const normalized = normalizeCanonicalLead(raw, { defaultCountry: defaultCountry ?? undefined });
    if (normalized.ok) accepted.push({ index, item: { lead: normalized.lead, raw } });
    else results[index] = { index, status: 'rejected', errors: normalized.errors };
  });
  const outcomes = await app.leadAcceptance.accept(accepted.map(({ item }) => item), context);
  accepted.forEach(({ index }, position) => {
    const outcome = outcomes[position]!;
    results[index] = { index, status: outcome.status, leadId: outcome.leadId };
  });
  const counts = { created: 0, duplicate: 0, updated: 0, rejected: 0 };
  for (const result of results) counts[result.status] += 1;
  return { results, counts };
}

export default leadsRoutes;
