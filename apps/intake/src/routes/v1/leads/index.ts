import { serializerCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyInstance, FastifySerializerCompiler } from 'fastify';
import { AppError } from '@leadrelay/http-kit';
import { findJsonBoundsViolation, normalizeActivity, normalizeCanonicalLead, type NormalizedActivity } from '@leadrelay/lead';
import { appendActivitiesSchema, submitLeadsSchema, type ItemResult, type SubmitLeadsAnswer } from './schema.ts';
import type { AcceptanceContext, AcceptedItem } from '../../../services/lead-acceptance.ts';
import { partnerRateLimit } from '../../../plugins/partner-rate-limit.ts';

const leadsRoutes: FastifyPluginAsyncZod = async (app) => {
  const routeOptions = { preHandler: app.authenticateCanonical, config: { rateLimit: partnerRateLimit } };

  app.post('/', { ...routeOptions, schema: submitLeadsSchema, serializerCompiler: acceptedAnswerSerializer }, async (request, reply) => {
    const items = Array.isArray(request.body) ? request.body : [request.body];
    const answer = await app.answerIdempotently(request, reply, async () => {
      const body = await submitCanonicalLeads(app, items, request.partner.defaultCountry, {
        partnerId: request.partner.id,
        route: 'POST /v1/leads',
        requestId: request.id,
        onDuplicate: request.query.onDuplicate,
        mayChangeAnyLead: request.partner.changeScope === 'any',
      });
      return { statusCode: body.counts.rejected === body.results.length ? (400 as const) : (202 as const), body };
    });
    return reply.status(answer.statusCode).send(answer.body);
  });

  app.post('/:leadId/activities', { ...routeOptions, schema: appendActivitiesSchema }, async (request, reply) => {
    const tooLarge = findJsonBoundsViolation(request.body);
    if (tooLarge) throw new AppError('validation_failed', 'the activities are invalid', [tooLarge]);
    const activities = normalizeActivities(request.body.activities);
    const answer = await app.answerIdempotently(request, reply, async () => {
      // Activities for a lead still being stored wait for it in the worker; for an id LeadRelay
      // never issued they would wait in vain.
      if (!(await app.issuedLeadIds.couldHaveIssued(request.params.leadId))) throw new AppError('not_found', 'no such lead');
      await app.leadAcceptance.acceptActivities(request.params.leadId, activities, request.body, {
        partnerId: request.partner.id,
        route: 'POST /v1/leads/:leadId/activities',
        requestId: request.id,
        mayChangeAnyLead: request.partner.changeScope === 'any',
      });
      return { statusCode: 202 as const, body: { leadId: request.params.leadId, accepted: activities.length } };
    });
    return reply.status(answer.statusCode).send(answer.body);
  });
};

/**
 * The 202 answer is built right here (or replayed from one built here) and always fits its schema
 * with nothing to strip, key for key in the schema's order: it is written as it is, not encoded
 * through zod first (one parse per item of a 1,000-lead answer). Every other status keeps the zod
 * serializer.
 */
const acceptedAnswerSerializer: FastifySerializerCompiler<typeof submitLeadsSchema> = (route) => {
  if (String(route.httpStatus) === '202') return (data: SubmitLeadsAnswer) => JSON.stringify(data);
  // Fastify hands the compiler one status's schema (its type names the route's whole schema).
  return serializerCompiler(route as unknown as Parameters<typeof serializerCompiler>[0]);
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
    results[index] =
      outcome.status === 'suppressed'
        ? { index, status: 'rejected', code: 'suppressed', errors: [{ path: '', message: 'the person was erased or is on the do-not-contact list' }] }
        : { index, status: outcome.status, leadId: outcome.leadId };
  });
  const counts = { created: 0, duplicate: 0, updated: 0, rejected: 0 };
  for (const result of results) counts[result.status] += 1;
  return { results, counts };
}

/** All or nothing: an activity with a bad timestamp rejects the request, with its path. */
function normalizeActivities(input: Parameters<typeof normalizeActivity>[0][]): NormalizedActivity[] {
  const errors: { path: string; message: string }[] = [];
  const activities = input.map((activity, index) => normalizeActivity(activity, `activities.${index}`, errors));
  if (errors.length > 0) throw new AppError('validation_failed', 'the activities are invalid', errors);
  return activities as NormalizedActivity[];
}

export default leadsRoutes;
