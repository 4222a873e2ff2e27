import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { errorHandlerPlugin } from '@leadrelay/http-kit';
import type { Logger } from '@leadrelay/observability';
import type { IntakeEnv } from './env.ts';
import infrastructure from './plugins/infrastructure.ts';
import partnerDirectory from './plugins/partner-directory.ts';
import canonicalAuth from './plugins/canonical-auth.ts';
import leadAcceptance from './plugins/lead-acceptance.ts';
import readiness from './plugins/readiness.ts';
import healthRoutes from './routes/health/index.ts';
import leadsRoutes from './routes/v1/leads/index.ts';

export interface BuildIntakeAppOptions {
  config: IntakeEnv;
  logger: Logger;
}

/** The intake HTTP service, with every plugin and route registered; `server.ts` only listens. */
export async function buildIntakeApp({ config, logger }: BuildIntakeAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.INTAKE_BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    disableRequestLogging: false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(errorHandlerPlugin);
  await app.register(infrastructure, { config });
  await app.register(partnerDirectory);
  await app.register(canonicalAuth);
  await app.register(leadAcceptance);
  await app.register(readiness);

  await app.register(healthRoutes);
  await app.register(leadsRoutes, { prefix: '/v1/leads' });
  return app;
}
