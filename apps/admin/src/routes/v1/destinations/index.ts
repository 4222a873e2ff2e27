import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { operatorScope } from '@leadrelay/destinations';
import {
  approveDestinationSchema,
  createDestinationSchema,
  deleteDestinationSchema,
  disableDestinationSchema,
  enableDestinationSchema,
  getDestinationSchema,
  listDestinationsSchema,
  replayDestinationSchema,
  rotateDestinationSecretSchema,
  testDestinationFilterSchema,
  testDestinationSchema,
  rejectDestinationSchema,
  updateDestinationSchema,
} from './schema.ts';

const destinationsRoutes: FastifyPluginAsyncZod = async (app) => {
  // Operators see every destination (operatorScope); the portal's routes use the subscriber's scope.
  // onRequest: an unauthenticated caller learns nothing, not even whether its body would validate.
  app.addHook('onRequest', app.authenticateAdmin);

  app.post('/', { schema: createDestinationSchema }, async (request, reply) => {
    return reply.status(201).send(await app.destinationRegistry.create(operatorScope, request.body));
  });

  app.get('/', { schema: listDestinationsSchema }, async (request) => ({ destinations: await app.destinationRegistry.list(operatorScope, request.query) }));

  app.get('/:id', { schema: getDestinationSchema }, async (request) => app.destinationRegistry.get(operatorScope, request.params.id));

  app.patch('/:id', { schema: updateDestinationSchema }, async (request) =>
    app.destinationRegistry.update(operatorScope, request.params.id, request.body),
  );

  app.delete('/:id', { schema: deleteDestinationSchema }, async (request, reply) => {
    await app.destinationRegistry.remove(operatorScope, request.params.id);
    return reply.status(204).send(null);
  });

  app.post('/:id/rotate-secret', { schema: rotateDestinationSecretSchema }, async (request) => {
    const { secret, switchAt } = request.body;
    return app.destinationRegistry.rotateSecret(operatorScope, request.params.id, { secret, switchAt: switchAt ? new Date(switchAt) : undefined });
  });

  app.post('/:id/test', { schema: testDestinationSchema }, async (request) => app.destinationTester.test(operatorScope, request.params.id));

  app.post('/:id/enable', { schema: enableDestinationSchema }, async (request) => app.destinationRegistry.enable(operatorScope, request.params.id));

  app.post('/:id/disable', { schema: disableDestinationSchema }, async (request) =>
    app.destinationRegistry.disable(operatorScope, request.params.id, request.body.reason),
  );

  app.post('/:id/approve', { schema: approveDestinationSchema }, async (request) =>
    app.destinationRegistry.approveLive(operatorScope, request.params.id, request.body),
  );

  app.post('/:id/reject', { schema: rejectDestinationSchema }, async (request) =>
    app.destinationRegistry.rejectLive(operatorScope, request.params.id, request.body.reason),
  );

  app.post('/:id/replay', { schema: replayDestinationSchema }, async (request, reply) => {
    return reply.status(202).send(await app.deliveryReplayer.replayDestination(operatorScope, request.params.id, new Date(request.body.since)));
  });

  app.post('/:id/filter-test', { schema: testDestinationFilterSchema }, async (request) =>
    app.destinationRegistry.testFilter(operatorScope, request.params.id, request.body.lead),
  );
};

export default destinationsRoutes;
