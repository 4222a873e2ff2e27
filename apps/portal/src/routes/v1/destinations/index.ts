import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { scopeOf } from '../subscriber-scope.ts';
import {
  createDestinationSchema,
  deleteDestinationSchema,
  enableDestinationSchema,
  getDestinationSchema,
  listDestinationsSchema,
  replayDestinationSchema,
  requestLiveSchema,
  rotateDestinationSecretSchema,
  testDestinationFilterSchema,
  testDestinationSchema,
  updateDestinationSchema,
} from './schema.ts';

const destinationsRoutes: FastifyPluginAsyncZod = async (app) => {
  // onRequest: an unauthenticated caller learns nothing, not even whether its body would validate.
  app.addHook('onRequest', app.authenticateSubscriber);

  app.post('/', { schema: createDestinationSchema }, async (request, reply) => {
    return reply.status(201).send(await app.destinationRegistry.create(scopeOf(request), request.body));
  });

  app.get('/', { schema: listDestinationsSchema }, async (request) => ({
    destinations: await app.destinationRegistry.list(scopeOf(request), request.query),
  }));

  app.get('/:id', { schema: getDestinationSchema }, async (request) => app.destinationRegistry.get(scopeOf(request), request.params.id));

  app.patch('/:id', { schema: updateDestinationSchema }, async (request) =>
    app.destinationRegistry.update(scopeOf(request), request.params.id, request.body),
  );

  app.delete('/:id', { schema: deleteDestinationSchema }, async (request, reply) => {
    await app.destinationRegistry.remove(scopeOf(request), request.params.id);
    return reply.status(204).send(null);
  });

  app.post('/:id/test', { schema: testDestinationSchema }, async (request) => app.destinationTester.test(scopeOf(request), request.params.id));

  app.post('/:id/rotate-secret', { schema: rotateDestinationSecretSchema }, async (request) => {
    const { secret, switchAt } = request.body;
    return app.destinationRegistry.rotateSecret(scopeOf(request), request.params.id, { secret, switchAt: switchAt ? new Date(switchAt) : undefined });
  });

  app.post('/:id/enable', { schema: enableDestinationSchema }, async (request) => app.destinationRegistry.enable(scopeOf(request), request.params.id));

  app.post('/:id/request-live', { schema: requestLiveSchema }, async (request) =>
    app.destinationRegistry.requestLive(scopeOf(request), request.params.id, request.body),
  );

  app.post('/:id/replay', { schema: replayDestinationSchema }, async (request, reply) => {
    return reply.status(202).send(await app.deliveryReplayer.replayDestination(scopeOf(request), request.params.id, new Date(request.body.since)));
  });

  app.post('/:id/filter-test', { schema: testDestinationFilterSchema }, async (request) =>
    app.destinationRegistry.testFilter(scopeOf(request), request.params.id, request.body.lead),
  );
};

export default destinationsRoutes;
