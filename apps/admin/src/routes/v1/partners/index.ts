import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createPartnerSchema, getPartnerSchema, listPartnersSchema } from './schema.ts';

const partnersRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('preHandler', app.authenticateAdmin);

  app.post('/', { schema: createPartnerSchema }, async (request, reply) => {
    return reply.status(201).send(await app.partnerRegistry.create(request.body));
  });

  app.get('/', { schema: listPartnersSchema }, async () => ({ partners: await app.partnerRegistry.list() }));

  app.get('/:id', { schema: getPartnerSchema }, async (request) => app.partnerRegistry.get(request.params.id));
};

export default partnersRoutes;
