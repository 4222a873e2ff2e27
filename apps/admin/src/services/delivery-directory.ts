import type { DatabaseClient, DeliveryAttemptModel, DeliveryStatus, EventType, Prisma } from '@leadrelay/db';
import { AppError, decodeKeysetCursor, keysetPage, newestFirst, rowsAfter } from '@leadrelay/http-kit';

export interface ListDeliveriesInput {
  destinationId?: string;
  status?: DeliveryStatus;
  /** Deliveries made at or after this time. */
  since?: Date;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  limit: number;
}

export interface DeliveryView {
  id: string;
  destinationId: string;
  eventId: string;
  eventType: EventType;
  leadId: string;
  /** X-Lead-Router-Message-Id and webhook-id: the same on every attempt and replay. */
  messageId: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryAttemptView {
  number: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  /** The first 1 KiB of the answer; null once retention removed it. */
  responseBody: string | null;
  /** When retention removed `responseBody` (RETENTION_DELIVERY_CONTENT); null while it is kept. */
  responseBodyRemovedAt: string | null;
  nextAttemptAt: string | null;
}

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

/** Read side of deliveries for operators: what was sent where, when, and how it went. */
export class DeliveryDirectory {
  constructor(private readonly db: DatabaseClient) {}

  async list({ destinationId, status, since, cursor, limit }: ListDeliveriesInput): Promise<{ deliveries: DeliveryView[]; nextCursor: string | null }> {
    const after = cursor ? decodeKeysetCursor(cursor) : null;
    const where: Prisma.DeliveryWhereInput = {
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

  async get(id: string): Promise<DeliveryView & { attempts: DeliveryAttemptView[] }> {
    const delivery = await this.db.delivery.findUnique({
      where: { id },
      select: { ...deliverySelect, attempts: { orderBy: { number: 'asc' } } },
    });
    if (!delivery) throw new AppError('not_found', `no delivery ${id}`);
    return {
      ...toDeliveryView(delivery),
      attempts: delivery.attempts.map(toDeliveryAttemptView),
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

export function toDeliveryAttemptView(attempt: DeliveryAttemptModel): DeliveryAttemptView {
  return {
    number: attempt.number,
    startedAt: attempt.startedAt.toISOString(),
    durationMs: attempt.durationMs,
    statusCode: attempt.statusCode,
    error: attempt.error,
    responseBody: attempt.responseBody,
    responseBodyRemovedAt: attempt.responseBodyRemovedAt?.toISOString() ?? null,
    nextAttemptAt: attempt.nextAttemptAt?.toISOString() ?? null,
  };
}
