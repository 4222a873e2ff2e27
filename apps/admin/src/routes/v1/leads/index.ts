import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { exportLeadSchema, findLeadsSchema, getLeadSchema, listLeadConsentsSchema } from './schema.ts';

const leadsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);

  // The query carries emails and phone numbers; request logs carry the path only (observability).
  app.get('/', { schema: findLeadsSchema }, async (request) => app.leadDirectory.find(request.query));

  app.get('/:id', { schema: getLeadSchema }, async (request) => app.leadDirectory.get(request.params.id));

  app.get('/:id/export', { schema: exportLeadSchema }, async (request) => app.leadExporter.exportLead(request.params.id));

  app.get('/:id/consents', { schema: listLeadConsentsSchema }, async (request) => app.leadExporter.consentEvidence(request.params.id));
};

export default leadsRoutes;
