import fp from 'fastify-plugin';
import { createDestinationServices, type DeliveryDirectory, type DeliveryReplayer, type DestinationRegistry, type DestinationTester } from '@leadrelay/destinations';

declare module 'fastify' {
  interface FastifyInstance {
    destinationRegistry: DestinationRegistry;
    destinationTester: DestinationTester;
    deliveryDirectory: DeliveryDirectory;
    deliveryReplayer: DeliveryReplayer;
  }
}

/**
 * The admin's own destination services (`@leadrelay/destinations`), called here with the
 * subscriber's scope: the URL policy, SSRF checks, signing and replays are the same code.
 */
export default fp(
  async (app) => {
    const services = createDestinationServices({
      db: app.db,
      secretBox: app.secretBox,
      queues: app.queues,
      allowPrivate: app.portalConfig.ALLOW_PRIVATE_DESTINATIONS,
    });
    app.decorate('destinationRegistry', services.destinationRegistry);
    app.decorate('destinationTester', services.destinationTester);
    app.decorate('deliveryDirectory', services.deliveryDirectory);
    app.decorate('deliveryReplayer', services.deliveryReplayer);
    app.addHook('onClose', async () => services.close());
  },
  { name: 'destination-services', dependencies: ['infrastructure'] },
);
