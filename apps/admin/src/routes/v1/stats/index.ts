import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getStatsSchema } from './schema.ts';

const statsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);

  app.get('/', { schema: getStatsSchema }, async () => app.statsCollector.collect());
};

export default statsRoutes;
