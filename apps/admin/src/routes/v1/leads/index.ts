import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findLeadsSchema, getLeadSchema } from './schema.ts';

const leadsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);

  // The query carries emails and phone numbers, and Fastify's request lines log the URL with it:
  // only warnings and errors are logged for this route.
  app.get('/', { schema: findLeadsSchema, logLevel: 'warn' }, async (request) => app.leadDirectory.find(request.query));

  app.get('/:id', { schema: getLeadSchema }, async (request) => app.leadDirectory.get(request.params.id));
};

export default leadsRoutes;
