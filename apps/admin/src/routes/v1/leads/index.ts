import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findLeadsSchema, getLeadSchema } from './schema.ts';

const leadsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);

  // The query carries emails and phone numbers; request logs carry the path only (observability).
  app.get('/', { schema: findLeadsSchema }, async (request) => app.leadDirectory.find(request.query));

  app.get('/:id', { schema: getLeadSchema }, async (request) => app.leadDirectory.get(request.params.id));
};

export default leadsRoutes;
