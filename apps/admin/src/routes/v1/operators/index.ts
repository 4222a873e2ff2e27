import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createOperatorSchema, listOperatorsSchema, revokeOperatorSchema, rotateOperatorSchema } from './schema.ts';

const operatorsRoutes: FastifyPluginAsyncZod = async (app) => {
  // Owners only, reading included: the list tells who can change what.
  app.addHook('onRequest', app.authenticateOwner);

  app.post('/', { schema: createOperatorSchema }, async (request, reply) => reply.status(201).send(await app.operatorRegistry.create(request.body)));

  app.get('/', { schema: listOperatorsSchema }, async () => ({ operators: await app.operatorRegistry.list() }));

  app.post('/:id/rotate', { schema: rotateOperatorSchema }, async (request) => app.operatorRegistry.rotate(request.params.id));

  app.post('/:id/revoke', { schema: revokeOperatorSchema }, async (request) => app.operatorRegistry.revoke(request.params.id));
};

export default operatorsRoutes;
