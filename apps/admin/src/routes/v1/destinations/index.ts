import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createDestinationSchema, getDestinationSchema, listDestinationsSchema } from './schema.ts';

const destinationsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', app.authenticateAdmin);

  app.post('/', { schema: createDestinationSchema }, async (request, reply) => {
    return reply.status(201).send(await app.destinationRegistry.create(request.body));
  });

  app.get('/', { schema: listDestinationsSchema }, async () => ({ destinations: await app.destinationRegistry.list() }));

  app.get('/:id', { schema: getDestinationSchema }, async (request) => app.destinationRegistry.get(request.params.id));
};

export default destinationsRoutes;
