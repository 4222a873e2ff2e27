import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { operatorScope } from '@leadrelay/destinations';
import { getDeliverySchema, listDeliveriesSchema, replayDeliverySchema } from './schema.ts';

const deliveriesRoutes: FastifyPluginAsyncZod = async (app) => {
  // onRequest: an unauthenticated caller learns nothing, not even whether its query would validate.
  app.addHook('onRequest', app.authenticateAdmin);

  app.get('/', { schema: listDeliveriesSchema }, async (request) => {
    const { since, ...filters } = request.query;
    return app.deliveryDirectory.list(operatorScope, { ...filters, since: since ? new Date(since) : undefined });
  });

  app.get('/:id', { schema: getDeliverySchema }, async (request) => app.deliveryDirectory.get(operatorScope, request.params.id));

  app.post('/:id/replay', { schema: replayDeliverySchema }, async (request, reply) => {
    await app.deliveryReplayer.replayDelivery(operatorScope, request.params.id);
    return reply.status(202).send(await app.deliveryDirectory.get(operatorScope, request.params.id));
  });
};

export default deliveriesRoutes;
