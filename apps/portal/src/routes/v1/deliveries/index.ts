import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { scopeOf } from '../subscriber-scope.ts';
import { getDeliverySchema, listDeliveriesSchema, replayDeliverySchema } from './schema.ts';

const deliveriesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateSubscriber);

  app.get('/', { schema: listDeliveriesSchema }, async (request) => {
    const { since, ...filters } = request.query;
    return app.deliveryDirectory.list(scopeOf(request), { ...filters, since: since ? new Date(since) : undefined });
  });

  app.get('/:id', { schema: getDeliverySchema }, async (request) => app.deliveryDirectory.get(scopeOf(request), request.params.id));

  app.post('/:id/replay', { schema: replayDeliverySchema }, async (request, reply) => {
    await app.deliveryReplayer.replayDelivery(scopeOf(request), request.params.id);
    return reply.status(202).send(await app.deliveryDirectory.get(scopeOf(request), request.params.id));
  });
};

export default deliveriesRoutes;
