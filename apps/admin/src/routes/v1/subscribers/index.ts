import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createSubscriberSchema,
  disableSubscriberSchema,
  enableSubscriberSchema,
  getSubscriberSchema,
  listSubscribersSchema,
  rotateSubscriberKeySchema,
  updateSubscriberSchema,
} from './schema.ts';

const subscribersRoutes: FastifyPluginAsyncZod = async (app) => {
  // onRequest: an unauthenticated caller learns nothing, not even whether its body would validate.
  app.addHook('onRequest', app.authenticateAdmin);

  app.post('/', { schema: createSubscriberSchema }, async (request, reply) => {
    return reply.status(201).send(await app.subscriberRegistry.create(request.body));
  });

  app.get('/', { schema: listSubscribersSchema }, async () => ({ subscribers: await app.subscriberRegistry.list() }));

  app.get('/:id', { schema: getSubscriberSchema }, async (request) => app.subscriberRegistry.get(request.params.id));

  app.patch('/:id', { schema: updateSubscriberSchema }, async (request) => app.subscriberRegistry.update(request.params.id, request.body));

  app.post('/:id/rotate-key', { schema: rotateSubscriberKeySchema }, async (request) => app.subscriberRegistry.rotateKey(request.params.id));

  app.post('/:id/disable', { schema: disableSubscriberSchema }, async (request) => app.subscriberRegistry.disable(request.params.id));

  app.post('/:id/enable', { schema: enableSubscriberSchema }, async (request) => app.subscriberRegistry.enable(request.params.id));
};

export default subscribersRoutes;
