import fp from 'fastify-plugin';
import { PartnerRegistry } from '../services/partner-registry.ts';
import { DestinationRegistry } from '../services/destination-registry.ts';

declare module 'fastify' {
  interface FastifyInstance {
    partnerRegistry: PartnerRegistry;
    destinationRegistry: DestinationRegistry;
  }
}

export default fp(
  async (app) => {
    app.decorate('partnerRegistry', new PartnerRegistry(app.db, app.secretBox, app.adminConfig.ADMIN_PUBLIC_URL));
    app.decorate('destinationRegistry', new DestinationRegistry(app.db, app.secretBox, app.adminConfig.ALLOW_PRIVATE_DESTINATIONS));
  },
  { name: 'registries', dependencies: ['infrastructure'] },
);
