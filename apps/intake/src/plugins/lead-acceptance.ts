import fp from 'fastify-plugin';
import { IdentityClaims } from '../services/identity-claims.ts';
import { LeadAcceptance } from '../services/lead-acceptance.ts';

declare module 'fastify' {
  interface FastifyInstance {
    leadAcceptance: LeadAcceptance;
  }
}

export default fp(
  async (app) => {
    const claims = new IdentityClaims(app.redis, app.intakeConfig.QUEUE_PREFIX);
    app.decorate('leadAcceptance', new LeadAcceptance(claims, app.queues, app.log));
  },
  { name: 'lead-acceptance', dependencies: ['infrastructure'] },
);
