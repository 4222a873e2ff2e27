import fp from 'fastify-plugin';
import { PartnerRegistry } from '../services/partner-registry.ts';
import { DestinationRegistry } from '../services/destination-registry.ts';
import { LeadDirectory } from '../services/lead-directory.ts';
import { StatsCollector } from '../services/stats-collector.ts';

declare module 'fastify' {
  interface FastifyInstance {
    partnerRegistry: PartnerRegistry;
    destinationRegistry: DestinationRegistry;
    leadDirectory: LeadDirectory;
    statsCollector: StatsCollector;
  }
}

export default fp(
  async (app) => {
    app.decorate('partnerRegistry', new PartnerRegistry(app.db, app.secretBox, app.adminConfig.ADMIN_PUBLIC_URL));
    app.decorate('destinationRegistry', new DestinationRegistry(app.db, app.secretBox, app.adminConfig.ALLOW_PRIVATE_DESTINATIONS));
    app.decorate('leadDirectory', new LeadDirectory(app.db));
    app.decorate('statsCollector', new StatsCollector(app.db, () => app.queues.all()));
  },
  { name: 'registries', dependencies: ['infrastructure'] },
);
