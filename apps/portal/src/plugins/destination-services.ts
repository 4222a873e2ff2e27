import fp from 'fastify-plugin';
import { SecretBox } from '@leadrelay/credentials';
import { DeliveryDirectory, DeliveryReplayer, DestinationRegistry, DestinationTester } from '@leadrelay/destinations';
import { QueueRegistry, createRedisConnection } from '@leadrelay/queue';

declare module 'fastify' {
  interface FastifyInstance {
    destinationRegistry: DestinationRegistry;
    destinationTester: DestinationTester;
    deliveryDirectory: DeliveryDirectory;
    deliveryReplayer: DeliveryReplayer;
  }
}

/**
 * STAND-IN until the portal's own registries plugin lands on main (the lead engineer's, beside
 * the /v1/destinations routes): the same four services, under the same names, so the pages can
 * be built and tested. Replaced by it at the merge.
 */
export default fp(
  async (app) => {
    const config = app.portalConfig;
    const secretBox = new SecretBox(config.SECRET_ENCRYPTION_KEYS);
    const queueConnection = createRedisConnection(config.REDIS_URL, { role: 'worker', connectionName: 'portal-queues' });
    const queues = new QueueRegistry({ connection: queueConnection, prefix: config.QUEUE_PREFIX });
    const allowPrivate = config.ALLOW_PRIVATE_DESTINATIONS;
    const deliveryReplayer = new DeliveryReplayer({ db: app.db, queues });
    const destinationTester = new DestinationTester({ db: app.db, secretBox, allowPrivate });
    app.decorate('deliveryReplayer', deliveryReplayer);
    app.decorate('deliveryDirectory', new DeliveryDirectory(app.db));
    app.decorate('destinationTester', destinationTester);
    app.decorate('destinationRegistry', new DestinationRegistry({ db: app.db, secretBox, allowPrivate, replayer: deliveryReplayer }));
    app.addHook('onClose', async () => {
      await destinationTester.close();
      await queues.close();
      queueConnection.disconnect();
    });
  },
  { name: 'registries', dependencies: ['infrastructure'] },
);
