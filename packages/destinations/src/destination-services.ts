import type { SecretBox } from '@leadrelay/credentials';
import type { DatabaseClient } from '@leadrelay/db';
import type { QueueRegistry } from '@leadrelay/queue';
import { DeliveryDirectory } from './delivery-directory.ts';
import { DeliveryReplayer } from './delivery-replayer.ts';
import { DestinationRegistry } from './destination-registry.ts';
import { DestinationTester } from './destination-tester.ts';

export interface DestinationServicesOptions {
  db: DatabaseClient;
  secretBox: SecretBox;
  /** Where replays enqueue their delivery jobs. */
  queues: QueueRegistry;
  /** ALLOW_PRIVATE_DESTINATIONS: for registering URLs and for the test send's connection. */
  allowPrivate: boolean;
}

export interface DestinationServices {
  destinationRegistry: DestinationRegistry;
  destinationTester: DestinationTester;
  deliveryDirectory: DeliveryDirectory;
  deliveryReplayer: DeliveryReplayer;
  /** Closes the test sender's connections. */
  close(): Promise<void>;
}

/** The services the admin and the portal both serve, wired the same way in each. */
export function createDestinationServices({ db, secretBox, queues, allowPrivate }: DestinationServicesOptions): DestinationServices {
  const deliveryReplayer = new DeliveryReplayer({ db, queues });
  const destinationTester = new DestinationTester({ db, secretBox, allowPrivate });
  return {
    destinationRegistry: new DestinationRegistry({ db, secretBox, allowPrivate, replayer: deliveryReplayer }),
    destinationTester,
    deliveryDirectory: new DeliveryDirectory(db),
    deliveryReplayer,
    close: () => destinationTester.close(),
  };
}
