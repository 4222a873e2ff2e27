import fp from 'fastify-plugin';
import { IdentityClaims } from '../services/identity-claims.ts';
import { LeadAcceptance } from '../services/lead-acceptance.ts';
import { LeadChangeRights } from '../services/lead-change-rights.ts';

declare module 'fastify' {
  interface FastifyInstance {
    leadAcceptance: LeadAcceptance;
    leadChangeRights: LeadChangeRights;
  }
}

export default fp(
  async (app) => {
    const claims = new IdentityClaims(app.redis, app.intakeConfig.QUEUE_PREFIX);
    const rights = new LeadChangeRights(app.db);
    app.decorate('leadChangeRights', rights);
    app.decorate('leadAcceptance', new LeadAcceptance(claims, rights, app.queues, app.log));
  },
  { name: 'lead-acceptance', dependencies: ['infrastructure'] },
);
