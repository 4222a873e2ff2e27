import type { DatabaseClient, DeliveryAttemptModel, Prisma } from '@leadrelay/db';
import { serializeLeadDocument, type LeadDocument } from '@leadrelay/lead';
import { decodeKeysetCursor, keysetPage, newestFirst, rowsAfter } from '@leadrelay/http-kit';
import { deliveryNotFound, destinationNotFound, scopedDeliveryWhere, type DestinationScope } from './destination-scope.ts';
import type { DeliveryAttemptView, DeliveryDetail, DeliveryList, DeliveryView, ListDeliveriesInput } from './delivery-schemas.ts';

const deliverySelect = {
  id: true,
  destinationId: true,
  eventId: true,
  messageId: true,
  status: true,
  attemptCount: true,
  nextAttemptAt: true,
  lastError: true,
  deliveredAt: true,
  createdAt: true,
  updatedAt: true,
  event: { select: { type: true, leadId: true } },
} satisfies Prisma.DeliverySelect;

type DeliveryRow = Prisma.DeliveryGetPayload<{ select: typeof deliverySelect }>;

/** Read side of deliveries, for operators and subscribers: what was sent where, when, and how it went. */
export class DeliveryDirectory {
  constructor(private readonly db: DatabaseClient) {}

  /**
   * Newest first. A `destinationId` outside the scope is a 404, as for an id that does not exist,
   * rather than an empty page that would look like a quiet destination.
   */
  async list(scope: DestinationScope, { destinationId, status, since, cursor, limit }: ListDeliveriesInput): Promise<DeliveryList> {
    if (destinationId && scope.kind === 'subscriber') {
      const own = await this.db.destination.count({ where: { id: destinationId, subscriberId: scope.subscriberId } });
      if (own === 0) throw destinationNotFound(destinationId);
    }
    const after = cursor ? decodeKeysetCursor(cursor) : null;
    const where: Prisma.DeliveryWhereInput = {
      ...scopedDeliveryWhere(scope),
      ...(destinationId ? { destinationId } : {}),
      ...(status ? { status } : {}),
      AND: [
        since ? { createdAt: { gte: since } } : {},
        after ? rowsAfter(after) : {},
      ],
    };
    const rows = await this.db.delivery.findMany({
      where,
      select: deliverySelect,
      orderBy: newestFirst,
      take: limit + 1,
    });
    const page = keysetPage(rows, limit);
    return { deliveries: page.rows.map(toDeliveryView), nextCursor: page.nextCursor };
  }

  async get(scope: DestinationScope, id: string): Promise<DeliveryDetail> {
    const delivery = await this.db.delivery.findFirst({
      where: { id, ...scopedDeliveryWhere(scope) },
      select: { ...deliverySelect, event: { select: { type: true, leadId: true, document: true } }, attempts: { orderBy: { number: 'asc' } } },
    });
    if (!delivery) throw deliveryNotFound(id);
    return {
      ...toDeliveryView(delivery),
      attempts: delivery.attempts.map((attempt) => toDeliveryAttemptView(attempt, delivery.event.document as LeadDocument | null)),
    };
  }
}

function toDeliveryView(delivery: DeliveryRow): DeliveryView {
  return {
    id: delivery.id,
    destinationId: delivery.destinationId,
    eventId: delivery.eventId,
    eventType: delivery.event.type,
    leadId: delivery.event.leadId,
    messageId: delivery.messageId,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
  };
}

/**
 * `document` is the event's lead document (null once removed): every attempt's body is it,
 * serialized with the `partner_id` the attempt recorded, byte for byte what was sent.
 */
export function toDeliveryAttemptView(attempt: DeliveryAttemptModel, document: LeadDocument | null): DeliveryAttemptView {
  return {
    number: attempt.number,
    startedAt: attempt.startedAt.toISOString(),
    durationMs: attempt.durationMs,
    statusCode: attempt.statusCode,
    error: attempt.error,
    responseBody: attempt.responseBody,
    responseBodyRemovedAt: attempt.responseBodyRemovedAt?.toISOString() ?? null,
    nextAttemptAt: attempt.nextAttemptAt?.toISOString() ?? null,
    request:
      attempt.requestHeaders === null
        ? null
        : {
            headers: JSON.parse(attempt.requestHeaders) as Record<string, string>,
            body: document === null ? null : serializeLeadDocument(document, attempt.requestPartnerId),
          },
  };
}
