import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listAuditLogSchema } from './schema.ts';

const auditLogRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);

  app.get('/', { schema: listAuditLogSchema }, async (request) => {
    const { since, ...filters } = request.query;
    return app.auditLog.list({ ...filters, since: since ? new Date(since) : undefined });
  });
};

export default auditLogRoutes;
