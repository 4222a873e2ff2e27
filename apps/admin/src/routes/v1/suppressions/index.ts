import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkSuppressionSchema, importSuppressionsSchema, liftSuppressionSchema } from './schema.ts';

const suppressionsRoutes: FastifyPluginAsyncZod = async (app) => {
  // The query carries emails and phone numbers; request logs carry the path only (observability).
  app.get('/check', { schema: checkSuppressionSchema, onRequest: app.authenticateAdmin }, async (request) => app.suppressionRegistry.check(request.query));

  app.post('/', { schema: importSuppressionsSchema, onRequest: app.authenticateAdmin }, async (request) => app.suppressionRegistry.import(request.body));

  // Owners only: lifting lets an erased person's data in again.
  app.delete('/', { schema: liftSuppressionSchema, onRequest: app.authenticateOwner }, async (request) => app.suppressionRegistry.lift(request.body));
};

export default suppressionsRoutes;
