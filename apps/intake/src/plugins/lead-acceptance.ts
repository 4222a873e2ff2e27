import fp from 'fastify-plugin';
import { IdentityClaimLayout } from '@leadrelay/lead';
import { IdentityClaims } from '../services/identity-claims.ts';
import { IssuedLeadIds } from '../services/issued-lead-ids.ts';
import { LeadAcceptance } from '../services/lead-acceptance.ts';
import { LeadChangeRights } from '../services/lead-change-rights.ts';
import { SuppressionList } from '../services/suppression-list.ts';

declare module 'fastify' {
  interface FastifyInstance {
    leadAcceptance: LeadAcceptance;
    /** Whether a lead id a partner names could have been issued by LeadRelay. */
    issuedLeadIds: IssuedLeadIds;
  }
}

export default fp(
  async (app) => {
    const claims = new IdentityClaims(
      app.redis,
      new IdentityClaimLayout(app.intakeConfig.QUEUE_PREFIX, app.intakeConfig.IDENTITY_BUCKET_BITS),
    );
    const rights = new LeadChangeRights(app.db);
    const suppressions = new SuppressionList(app.redis, app.intakeConfig.QUEUE_PREFIX, app.intakeConfig.SUPPRESSION_HASH_KEY);
    app.decorate('leadAcceptance', new LeadAcceptance(suppressions, claims, rights, app.queues, app.log));
    app.decorate('issuedLeadIds', new IssuedLeadIds({ db: app.db }));
  },
  { name: 'lead-acceptance', dependencies: ['infrastructure'] },
);
