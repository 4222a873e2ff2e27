import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getMeSchema } from './schema.ts';

const meRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateSubscriber);

  app.get('/', { schema: getMeSchema }, async (request) => {
    const subscriber = request.subscriber!;
    const destinationCount = await app.db.destination.count({ where: { subscriberId: subscriber.id, deletedAt: null } });
    return {
      id: subscriber.id,
      name: subscriber.name,
      contactEmail: subscriber.contactEmail,
      maxDestinations: subscriber.maxDestinations,
      destinationCount,
      apiKeyPrefix: subscriber.apiKeyPrefix,
      createdAt: subscriber.createdAt.toISOString(),
    };
  });
};

export default meRoutes;
