import { randomUUID } from 'node:crypto';
import { isRecordNotFoundError, type DatabaseClient, type DestinationMode, type DestinationModel, type EventType, type Prisma } from '@leadrelay/db';
import { SecretDecryptionError, generateSecret, type SecretBox } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';
import { DestinationUrlRefusedError, assertDestinationUrlAllowed, destinationSecretWarnings } from '@leadrelay/destination-policy';
import type { DeliveryReplayer } from './delivery-replayer.ts';

export const allEventTypes: EventType[] = ['created', 'updated', 'activity_added'];

/** How long the old secret keeps signing X-Lead-Router-Signature after a rotation, unless told. */
export const defaultSecretSwitchOverMs = 24 * 3_600_000;

export interface CreateDestinationInput {
  name: string;
  url: string;
  secret?: string;
  partnerId?: string;
  events?: EventType[];
  sources?: string[];
  timeoutMs?: number;
  maxConcurrency?: number;
}

/** PATCH: absent fields stay; `partnerId: null` removes it; empty `events`/`sources` mean all. */
export interface UpdateDestinationInput {
  name?: string;
  url?: string;
  partnerId?: string | null;
  events?: EventType[];
  sources?: string[];
  timeoutMs?: number;
  maxConcurrency?: number;
}

export interface RotateSecretInput {
  /** The new secret; generated when absent. */
  secret?: string;
  /** When the new secret takes over X-Lead-Router-Signature; default 24 h from now, a past time is at once. */
  switchAt?: Date;
}

/** Answered once, when a secret is set: the secret, and warnings about it (a weak one it chose). */
export type DestinationWithSecretView = DestinationView & { secret: string; warnings: string[] };

/** A destination as operators see it: never its secret. */
export interface DestinationView {
  id: string;
  name: string;
  url: string;
  partnerId: string | null;
  events: EventType[];
  sources: string[];
  timeoutMs: number;
  maxConcurrency: number;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  /** Start of the current run of failed attempts without a success, if any. */
  failingSince: string | null;
  secretSwitchAt: string | null;
  /** The CRM that registered it itself; null for one an operator registered. */
  subscriberId: string | null;
  mode: DestinationMode;
  /** What the subscriber asked going live with; null until it asks. */
  liveRequest: { description: string; partnerIdLabel: string; partnerIdHelp: string } | null;
  /** Why an operator returned it to test. */
  reviewNote: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ApproveLiveInput {
  /** Sent as `partner_id` in every lead document: the client's account id in the CRM. */
  partnerId: string;
  /** Partner slugs whose leads it receives; unchanged when absent. */
  sources?: string[];
}

export interface DestinationRegistryOptions {
  db: DatabaseClient;
  secretBox: SecretBox;
  /** ALLOW_PRIVATE_DESTINATIONS: accept URLs on loopback, private, link-local or metadata addresses. */
  allowPrivate: boolean;
  /** Sends a destination's paused deliveries when it is enabled again. */
  replayer: DeliveryReplayer;
}

export class DestinationRegistry {
  readonly #db: DatabaseClient;
  readonly #secretBox: SecretBox;
  readonly #allowPrivate: boolean;
  readonly #replayer: DeliveryReplayer;

  constructor({ db, secretBox, allowPrivate, replayer }: DestinationRegistryOptions) {
    this.#db = db;
    this.#secretBox = secretBox;
    this.#allowPrivate = allowPrivate;
    this.#replayer = replayer;
  }

  async create(input: CreateDestinationInput): Promise<DestinationWithSecretView> {
    await this.#assertUrlAllowed(input.url);
    const secret = input.secret ?? generateSecret();
    const destination = await this.#db.destination.create({
      data: {
        id: randomUUID(),
        name: input.name,
        url: input.url,
        secretCiphertext: this.#secretBox.encrypt(secret),
        partnerId: input.partnerId ?? null,
        events: eventsOrAll(input.events),
        sources: [...new Set(input.sources ?? [])],
        timeoutMs: input.timeoutMs ?? 10_000,
        maxConcurrency: input.maxConcurrency ?? 10,
      },
    });
    return { ...toDestinationView(destination), secret, warnings: destinationSecretWarnings(secret) };
  }

  async list(filter: { mode?: DestinationMode } = {}): Promise<DestinationView[]> {
    const destinations = await this.#db.destination.findMany({ where: { deletedAt: null, ...filter }, orderBy: { createdAt: 'asc' } });
    return destinations.map(toDestinationView);
  }

  /**
   * Connects a destination that asked to go live (seed 003's flow): from now on it receives real
   * leads, with the client's Partner ID as `partner_id`. Only a `pending_review` one can be approved.
   */
  async approveLive(id: string, input: ApproveLiveInput): Promise<DestinationView> {
    return this.#review(id, { mode: 'live', partnerId: input.partnerId, reviewNote: null, ...(input.sources ? { sources: [...new Set(input.sources)] } : {}) });
  }

  /** Returns a destination that asked to go live to test, with the reason shown to its subscriber. */
  async rejectLive(id: string, reason: string): Promise<DestinationView> {
    return this.#review(id, { mode: 'test', reviewNote: reason });
  }

  async #review(id: string, data: Prisma.DestinationUpdateManyMutationInput): Promise<DestinationView> {
    // Conditional on the mode, so two operators reviewing at once cannot both act.
    const { count } = await this.#db.destination.updateMany({ where: { id, deletedAt: null, mode: 'pending_review' }, data });
    const destination = await this.#find(id);
    if (count === 0) throw new AppError('conflict', `destination ${id} has not asked to go live (mode: ${destination.mode})`);
    return toDestinationView(destination);
  }

  async get(id: string): Promise<DestinationView> {
    return toDestinationView(await this.#find(id));
  }

  /** Takes effect for the next attempt of every delivery, pending ones included. */
  async update(id: string, input: UpdateDestinationInput): Promise<DestinationView> {
    await this.#find(id);
    if (input.url !== undefined) await this.#assertUrlAllowed(input.url);
    const data: Prisma.DestinationUpdateInput = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.url !== undefined) data.url = input.url;
    if (input.partnerId !== undefined) data.partnerId = input.partnerId;
    if (input.events !== undefined) data.events = eventsOrAll(input.events);
    if (input.sources !== undefined) data.sources = [...new Set(input.sources)];
    if (input.timeoutMs !== undefined) data.timeoutMs = input.timeoutMs;
    if (input.maxConcurrency !== undefined) data.maxConcurrency = input.maxConcurrency;
    return toDestinationView(await this.#update(id, data));
  }

  /** Soft delete: deliveries and attempts stay for the record; pending ones are paused, never sent. */
  async remove(id: string): Promise<void> {
    await this.#find(id);
    await this.#update(id, { deletedAt: new Date(), enabled: false, disabledAt: new Date(), disabledReason: 'deleted' });
  }

  /**
   * A new secret, returned once. Receivers that check only X-Lead-Router-Signature keep working:
   * until `switchAt` that header is still signed with the secret they know, while webhook-signature
   * carries both. Rotating again before the switch-over keeps that same old secret.
   */
  async rotateSecret(id: string, input: RotateSecretInput): Promise<DestinationWithSecretView> {
    const destination = await this.#find(id);
    const now = new Date();
    const secret = input.secret ?? generateSecret();
    const switchAt = input.switchAt ?? new Date(now.getTime() + defaultSecretSwitchOverMs);
    const rotating = destination.previousSecretCiphertext !== null && destination.secretSwitchAt !== null && destination.secretSwitchAt > now;
    const knownToReceivers = rotating ? destination.previousSecretCiphertext : destination.secretCiphertext;
    const immediate = switchAt <= now;
    const updated = await this.#update(id, {
      secretCiphertext: this.#secretBox.encrypt(secret),
      previousSecretCiphertext: immediate || knownToReceivers === null ? null : this.#onNewestKey(knownToReceivers),
      secretSwitchAt: immediate ? null : switchAt,
    });
    return { ...toDestinationView(updated), secret, warnings: destinationSecretWarnings(secret) };
  }

  /** Enables the destination and sends its paused deliveries, in event order. */
  async enable(id: string): Promise<DestinationView & { resumedDeliveries: number }> {
    await this.#find(id);
    // Committed before the paused deliveries are read: see the locking note in DeliveryAttempter.
    const destination = await this.#update(id, { enabled: true, disabledAt: null, disabledReason: null, failingSince: null });
    const resumedDeliveries = await this.#replayer.resumePaused(id);
    return { ...toDestinationView(destination), resumedDeliveries };
  }

  /** New deliveries are kept paused, and pending ones pause at their next attempt. */
  async disable(id: string, reason?: string): Promise<DestinationView> {
    const destination = await this.#find(id);
    if (!destination.enabled) return toDestinationView(destination);
    return toDestinationView(
      await this.#update(id, { enabled: false, disabledAt: new Date(), disabledReason: reason ?? 'disabled by an operator' }),
    );
  }

  /**
   * The old secret kept for the switch-over, on the newest key: a `secrets reencrypt` running
   * meanwhile may already have passed this row, and must not find it on an old key afterwards.
   * One that no key decrypts is kept as it was: it was unusable before the rotation too.
   */
  #onNewestKey(ciphertext: string): string {
    try {
      return this.#secretBox.reencrypt(ciphertext);
    } catch (error) {
      if (error instanceof SecretDecryptionError) return ciphertext;
      throw error;
    }
  }

  async #find(id: string): Promise<DestinationModel> {
    const destination = await this.#db.destination.findFirst({ where: { id, deletedAt: null } });
    if (!destination) throw new AppError('not_found', `no destination ${id}`);
    return destination;
  }

  async #update(id: string, data: Prisma.DestinationUpdateInput): Promise<DestinationModel> {
    try {
      return await this.#db.destination.update({ where: { id }, data });
    } catch (error) {
      if (isRecordNotFoundError(error)) throw new AppError('not_found', `no destination ${id}`);
      throw error;
    }
  }

  async #assertUrlAllowed(url: string) {
    try {
      await assertDestinationUrlAllowed(url, { allowPrivate: this.#allowPrivate });
    } catch (error) {
      if (error instanceof DestinationUrlRefusedError) {
        throw new AppError('validation_failed', `url refused: ${error.message}`, [{ path: 'body.url', message: error.message }]);
      }
      throw error;
    }
  }
}

function eventsOrAll(events: EventType[] | undefined): EventType[] {
  return events && events.length > 0 ? [...new Set(events)] : allEventTypes;
}

export function toDestinationView(destination: DestinationModel): DestinationView {
  return {
    id: destination.id,
    name: destination.name,
    url: destination.url,
    partnerId: destination.partnerId,
    events: destination.events,
    sources: destination.sources,
    timeoutMs: destination.timeoutMs,
    maxConcurrency: destination.maxConcurrency,
    enabled: destination.enabled,
    disabledAt: destination.disabledAt?.toISOString() ?? null,
    disabledReason: destination.disabledReason,
    failingSince: destination.failingSince?.toISOString() ?? null,
    secretSwitchAt: destination.secretSwitchAt?.toISOString() ?? null,
    subscriberId: destination.subscriberId,
    mode: destination.mode,
    liveRequest:
      destination.liveDescription === null
        ? null
        : { description: destination.liveDescription, partnerIdLabel: destination.partnerIdLabel ?? '', partnerIdHelp: destination.partnerIdHelp ?? '' },
    reviewNote: destination.reviewNote,
    createdAt: destination.createdAt.toISOString(),
    updatedAt: destination.updatedAt.toISOString(),
  };
}
