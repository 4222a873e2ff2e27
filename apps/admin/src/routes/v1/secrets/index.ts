import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { reencryptSecretsSchema } from './schema.ts';

const secretsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticateAdmin);

  app.post('/reencrypt', { schema: reencryptSecretsSchema }, async (request) => app.secretReencrypter.reencryptBatch(request.body));
};

export default secretsRoutes;
