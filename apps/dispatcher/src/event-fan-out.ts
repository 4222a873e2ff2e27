import { randomUUID } from 'node:crypto';
import type { DatabaseClient, EventType } from '@leadrelay/db';

export interface FanOutResult {
  /** Deliveries ready to send now. */
  pendingDeliveryIds: string[];
  /** Deliveries kept for destinations that are disabled. */
  pausedCount: number;
}

/**
 * Turns one event into one delivery per subscribed destination. Idempotent: a delivery is
 * unique per (event, destination), and its message id is made once, here.
 */
export class EventFanOut {
  constructor(private readonly db: DatabaseClient) {}

  async fanOut(eventId: string): Promise<FanOutResult> {
    const event = await this.db.event.findUnique({
      where: { id: eventId },
      select: { id: true, type: true, partnerSlug: true },
    });
    if (!event) return { pendingDeliveryIds: [], pausedCount: 0 };
    const destinations = await this.#subscribers(event.type, event.partnerSlug);
    if (destinations.length > 0) {
      await this.db.delivery.createMany({
        data: destinations.map((destination) => ({
          id: randomUUID(),
          eventId,
          destinationId: destination.id,
          messageId: randomUUID(),
          status: destination.enabled ? 'pending' : 'paused',
        })),
        skipDuplicates: true,
      });
    }
    const deliveries = await this.db.delivery.findMany({
      where: { eventId, status: { in: ['pending', 'paused'] }, attemptCount: 0 },
      select: { id: true, status: true },
    });
    return {
      pendingDeliveryIds: deliveries.filter((delivery) => delivery.status === 'pending').map((delivery) => delivery.id),
      pausedCount: deliveries.filter((delivery) => delivery.status === 'paused').length,
    };
  }

  /** Destinations whose event filter takes this type and whose source filter takes this partner. */
  #subscribers(type: EventType, partnerSlug: string) {
    return this.db.destination.findMany({
      where: {
        deletedAt: null,
        events: { has: type },
        OR: [{ sources: { isEmpty: true } }, { sources: { has: partnerSlug } }],
      },
      select: { id: true, enabled: true },
    });
  }
}
