import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createPartnerSchema,
  disablePartnerSchema,
  enablePartnerSchema,
  getPartnerSchema,
  listPartnersSchema,
  rotatePartnerCredentialsSchema,
  updatePartnerSchema,
} from './schema.ts';

const partnersRoutes: FastifyPluginAsyncZod = async (app) => {
  // onRequest: an unauthenticated caller learns nothing, not even whether its body would validate.
  app.addHook('onRequest', app.authenticateAdmin);

  app.post('/', { schema: createPartnerSchema }, async (request, reply) => {
    return reply.status(201).send(await app.partnerRegistry.create(request.body));
  });

  app.get('/', { schema: listPartnersSchema }, async () => ({ partners: await app.partnerRegistry.list() }));

  app.get('/:id', { schema: getPartnerSchema }, async (request) => app.partnerRegistry.get(request.params.id));

  app.patch('/:id', { schema: updatePartnerSchema }, async (request) => app.partnerRegistry.update(request.params.id, request.body));

  app.post('/:id/disable', { schema: disablePartnerSchema }, async (request) => app.partnerRegistry.disable(request.params.id));

  app.post('/:id/enable', { schema: enablePartnerSchema }, async (request) => app.partnerRegistry.enable(request.params.id));

  app.post('/:id/rotate-credentials', { schema: rotatePartnerCredentialsSchema }, async (request) =>
    app.partnerRegistry.rotateCredentials(request.params.id),
  );
};

export default partnersRoutes;
