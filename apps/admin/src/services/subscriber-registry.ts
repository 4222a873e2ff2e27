import { randomUUID } from 'node:crypto';
import { isRecordNotFoundError, type DatabaseClient, type Prisma, type SubscriberModel } from '@leadrelay/db';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';
import type { DeliveryReplayer } from '@leadrelay/destinations';

/** Destinations a subscriber may register itself unless an operator says otherwise. */
export const defaultMaxDestinations = 10;

export interface CreateSubscriberInput {
  name: string;
  contactEmail?: string;
  maxDestinations?: number;
}

export interface UpdateSubscriberInput {
  name?: string;
  contactEmail?: string | null;
  maxDestinations?: number;
}

/** A subscriber as operators see it: never its key or the key's hash. */
export interface SubscriberView {
  id: string;
  name: string;
  contactEmail: string | null;
  maxDestinations: number;
  apiKeyPrefix: string;
  destinationCount: number;
  disabled: boolean;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * CRMs that run their own destinations. Keys are stored as SHA-256 like partners' keys, with a
 * prefix of their own (`lrsub_`), so a subscriber key is refused by intake and the admin API
 * before any lookup.
 */
export class SubscriberRegistry {
  readonly #db: DatabaseClient;
  readonly #replayer: DeliveryReplayer;

  constructor(db: DatabaseClient, replayer: DeliveryReplayer) {
    this.#db = db;
    this.#replayer = replayer;
  }

  async create(input: CreateSubscriberInput): Promise<SubscriberView & { apiKey: string }> {
    const apiKey = generateApiKey('subscriber');
    const subscriber = await this.#db.subscriber.create({
      data: {
        id: randomUUID(),
        name: input.name,
        contactEmail: input.contactEmail ?? null,
        maxDestinations: input.maxDestinations ?? defaultMaxDestinations,
        ...keyColumns(apiKey),
      },
      include: destinationCount,
    });
    return { ...toSubscriberView(subscriber), apiKey };
  }

  async list(): Promise<SubscriberView[]> {
    const subscribers = await this.#db.subscriber.findMany({ orderBy: { createdAt: 'asc' }, include: destinationCount });
    return subscribers.map(toSubscriberView);
  }

  async get(id: string): Promise<SubscriberView> {
    const subscriber = await this.#db.subscriber.findUnique({ where: { id }, include: destinationCount });
    if (!subscriber) throw new AppError('not_found', `no subscriber ${id}`);
    return toSubscriberView(subscriber);
  }

  async update(id: string, input: UpdateSubscriberInput): Promise<SubscriberView> {
    const data: Prisma.SubscriberUpdateInput = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.contactEmail !== undefined) data.contactEmail = input.contactEmail;
    if (input.maxDestinations !== undefined) data.maxDestinations = input.maxDestinations;
    return toSubscriberView(await this.#update(id, data));
  }

  /** A new key, answered once; the old one is refused from the next request on. */
  async rotateKey(id: string): Promise<SubscriberView & { apiKey: string }> {
    const apiKey = generateApiKey('subscriber');
    return { ...toSubscriberView(await this.#update(id, keyColumns(apiKey))), apiKey };
  }

  /**
   * Its key is refused (403) and its destinations' new deliveries are kept paused, as a disabled
   * destination's are (the dispatcher checks both under the same lock). Disabling twice keeps the
   * first time.
   */
  async disable(id: string): Promise<SubscriberView> {
    const subscriber = await this.#db.subscriber.findUnique({ where: { id }, include: destinationCount });
    if (!subscriber) throw new AppError('not_found', `no subscriber ${id}`);
    if (subscriber.disabledAt) return toSubscriberView(subscriber);
    return toSubscriberView(await this.#update(id, { disabledAt: new Date() }));
  }

  /** Enables it and sends the paused deliveries of its enabled destinations, in event order. */
  async enable(id: string): Promise<SubscriberView & { resumedDeliveries: number }> {
    // Committed before the paused deliveries are read: see the locking note in DeliveryStore.
    const subscriber = await this.#update(id, { disabledAt: null });
    const destinations = await this.#db.destination.findMany({
      where: { subscriberId: id, enabled: true, deletedAt: null },
      select: { id: true },
    });
    let resumedDeliveries = 0;
    for (const destination of destinations) resumedDeliveries += await this.#replayer.resumePaused(destination.id);
    return { ...toSubscriberView(subscriber), resumedDeliveries };
  }

  async #update(id: string, data: Prisma.SubscriberUpdateInput): Promise<SubscriberWithCount> {
    try {
      return await this.#db.subscriber.update({ where: { id }, data, include: destinationCount });
    } catch (error) {
      if (isRecordNotFoundError(error)) throw new AppError('not_found', `no subscriber ${id}`);
      throw error;
    }
  }
}

const destinationCount = { _count: { select: { destinations: { where: { deletedAt: null } } } } } as const;
type SubscriberWithCount = SubscriberModel & { _count: { destinations: number } };

function keyColumns(apiKey: string): { apiKeyHash: string; apiKeyPrefix: string } {
  return { apiKeyHash: hashApiKey(apiKey), apiKeyPrefix: apiKeyDisplayPrefix(apiKey) };
}

function toSubscriberView(subscriber: SubscriberWithCount): SubscriberView {
  return {
    id: subscriber.id,
    name: subscriber.name,
    contactEmail: subscriber.contactEmail,
    maxDestinations: subscriber.maxDestinations,
    apiKeyPrefix: subscriber.apiKeyPrefix,
    destinationCount: subscriber._count.destinations,
    disabled: subscriber.disabledAt !== null,
    disabledAt: subscriber.disabledAt?.toISOString() ?? null,
    createdAt: subscriber.createdAt.toISOString(),
    updatedAt: subscriber.updatedAt.toISOString(),
  };
}
