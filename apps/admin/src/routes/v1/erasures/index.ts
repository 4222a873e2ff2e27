import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createErasureSchema, getErasureSchema } from './schema.ts';

const erasuresRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateOwner);

  app.post('/', { schema: createErasureSchema }, async (request, reply) => reply.status(202).send(await app.erasureRegistry.request(request.body, request.actor!)));

  app.get('/:id', { schema: getErasureSchema }, async (request) => app.erasureRegistry.get(request.params.id));
};

export default erasuresRoutes;
