import fp from 'fastify-plugin';
import { PartnerRegistry } from '../services/partner-registry.ts';
import { createDestinationServices, type DeliveryDirectory, type DeliveryReplayer, type DestinationRegistry, type DestinationTester } from '@leadrelay/destinations';
import { LeadDirectory } from '../services/lead-directory.ts';
import { LeadExporter } from '../services/lead-export.ts';
import { StatsCollector } from '../services/stats-collector.ts';
import { SecretReencrypter } from '../services/secret-reencrypter.ts';
import { OperatorRegistry } from '../services/operator-registry.ts';
import { SubscriberRegistry } from '../services/subscriber-registry.ts';
import { ErasureRegistry } from '../services/erasure-registry.ts';
import { SuppressionRegistry } from '../services/suppression-registry.ts';

declare module 'fastify' {
  interface FastifyInstance {
    partnerRegistry: PartnerRegistry;
    destinationRegistry: DestinationRegistry;
    destinationTester: DestinationTester;
    deliveryDirectory: DeliveryDirectory;
    deliveryReplayer: DeliveryReplayer;
    leadDirectory: LeadDirectory;
    leadExporter: LeadExporter;
    statsCollector: StatsCollector;
    secretReencrypter: SecretReencrypter;
    operatorRegistry: OperatorRegistry;
    subscriberRegistry: SubscriberRegistry;
    erasureRegistry: ErasureRegistry;
    suppressionRegistry: SuppressionRegistry;
  }
}

export default fp(
  async (app) => {
    app.decorate('partnerRegistry', new PartnerRegistry(app.db, app.secretBox, app.adminConfig.ADMIN_PUBLIC_URL));
    const destinations = createDestinationServices({
      db: app.db,
      secretBox: app.secretBox,
      queues: app.queues,
      allowPrivate: app.adminConfig.ALLOW_PRIVATE_DESTINATIONS,
    });
    const { deliveryReplayer } = destinations;
    app.decorate('deliveryReplayer', deliveryReplayer);
    app.decorate('deliveryDirectory', destinations.deliveryDirectory);
    app.decorate('destinationTester', destinations.destinationTester);
    app.decorate('destinationRegistry', destinations.destinationRegistry);
    app.addHook('onClose', async () => destinations.close());
    const leadDirectory = new LeadDirectory(app.db);
    app.decorate('leadDirectory', leadDirectory);
    app.decorate('leadExporter', new LeadExporter(app.db, leadDirectory));
    app.decorate('statsCollector', new StatsCollector(app.db, () => app.queues.all()));
    app.decorate('secretReencrypter', new SecretReencrypter(app.db, app.secretBox));
    app.decorate('operatorRegistry', new OperatorRegistry(app.db));
    app.decorate('subscriberRegistry', new SubscriberRegistry(app.db, deliveryReplayer));
    app.decorate('erasureRegistry', new ErasureRegistry(app.db));
    app.decorate(
      'suppressionRegistry',
      new SuppressionRegistry({
        db: app.db,
        redis: app.redis,
        hashKey: app.adminConfig.SUPPRESSION_HASH_KEY,
        queuePrefix: app.adminConfig.QUEUE_PREFIX,
        log: app.log,
      }),
    );
  },
  { name: 'registries', dependencies: ['infrastructure'] },
);
