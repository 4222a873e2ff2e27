import { randomUUID } from 'node:crypto';
import { LeadFilterTester, type FilterTestAnswer, type LeadFilter } from '@leadrelay/lead-filter';
import { Prisma, isRecordNotFoundError, type DatabaseClient, type DestinationMode, type DestinationModel, type EventType } from '@leadrelay/db';
import { SecretDecryptionError, generateSecret, type SecretBox } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';
import { DestinationUrlRefusedError, assertDestinationUrlAllowed, destinationSecretBytes, destinationSecretWarnings } from '@leadrelay/destination-policy';
import type { DeliveryReplayer } from './delivery-replayer.ts';
import { assertOperator, destinationNotFound, scopedDestinationWhere, type DestinationScope } from './destination-scope.ts';
import type {
  ApproveLiveInput,
  CreateDestinationInput,
  DestinationView,
  DestinationWithSecretView,
  RequestLiveInput,
  UpdateDestinationInput,
} from './destination-schemas.ts';

export const allEventTypes: EventType[] = ['created', 'updated', 'activity_added'];

/** How long the old secret keeps signing X-Lead-Router-Signature after a rotation, unless told. */
export const defaultSecretSwitchOverMs = 24 * 3_600_000;

export interface RotateSecretInput {
  /** The new secret; generated when absent. */
  secret?: string;
  /** When the new secret takes over X-Lead-Router-Signature; default 24 h from now, a past time is at once. */
  switchAt?: Date;
}

export interface DestinationRegistryOptions {
  db: DatabaseClient;
  secretBox: SecretBox;
  /** ALLOW_PRIVATE_DESTINATIONS: accept URLs on loopback, private, link-local or metadata addresses. */
  allowPrivate: boolean;
  /** Sends a destination's paused deliveries when it is enabled again. */
  replayer: DeliveryReplayer;
}

/**
 * Destinations for operators (admin API) and subscribers (portal) alike: the same URL policy,
 * secrets and rotation, with every read and change limited to what the scope may see
 * (destination-scope.ts). What differs for a subscriber is here too: its destinations start in
 * test mode, count against its `maxDestinations`, and go live only through an operator's review.
 */
export class DestinationRegistry {
  readonly #db: DatabaseClient;
  readonly #secretBox: SecretBox;
  readonly #allowPrivate: boolean;
  readonly #replayer: DeliveryReplayer;
  readonly #filterTester: LeadFilterTester;

  constructor({ db, secretBox, allowPrivate, replayer }: DestinationRegistryOptions) {
    this.#db = db;
    this.#filterTester = new LeadFilterTester({ db });
    this.#secretBox = secretBox;
    this.#allowPrivate = allowPrivate;
    this.#replayer = replayer;
  }

  /** An operator's destination is live at once; a subscriber's starts in test mode. */
  async create(scope: DestinationScope, input: CreateDestinationInput): Promise<DestinationWithSecretView> {
    if (scope.kind === 'subscriber' && (input.partnerId !== undefined || input.sources !== undefined || input.maxConcurrency !== undefined)) {
      assertOperator(scope, 'setting partnerId, sources or maxConcurrency');
    }
    await this.#assertUrlAllowed(input.url);
    const secret = input.secret ?? generateSecret();
    const data: Prisma.DestinationUncheckedCreateInput = {
      id: randomUUID(),
      name: input.name,
      url: input.url,
      ...this.#sealed(secret),
      partnerId: input.partnerId ?? null,
      events: eventsOrAll(input.events),
      sources: [...new Set(input.sources ?? [])],
      // SQL NULL, not JSON null: the column refuses anything but an object.
      filter: input.filter ?? Prisma.DbNull,
      timeoutMs: input.timeoutMs ?? 10_000,
      maxConcurrency: input.maxConcurrency ?? 10,
      ...(scope.kind === 'subscriber' ? { subscriberId: scope.subscriberId, mode: 'test' as const } : {}),
    };
    const destination = scope.kind === 'subscriber' ? await this.#createWithinLimit(scope.subscriberId, data) : await this.#db.destination.create({ data });
    return withSecret(destination, secret);
  }

  /**
   * The subscriber's row is locked first, so two registrations at once cannot both take the last
   * place: the second counts after the first committed.
   */
  async #createWithinLimit(subscriberId: string, data: Prisma.DestinationUncheckedCreateInput): Promise<DestinationModel> {
    return this.#db.$transaction(async (tx) => {
      const [subscriber] = await tx.$queryRaw<{ max_destinations: number }[]>`
        SELECT max_destinations FROM subscribers WHERE id = ${subscriberId}::uuid FOR UPDATE`;
      if (!subscriber) throw new AppError('not_found', `no subscriber ${subscriberId}`);
      const registered = await tx.destination.count({ where: { subscriberId, deletedAt: null } });
      if (registered >= subscriber.max_destinations) {
        throw new AppError(
          'conflict',
          `this subscriber may register ${subscriber.max_destinations} destinations and has ${registered}: delete one, or ask the operators for more`,
        );
      }
      return tx.destination.create({ data });
    });
  }

  async list(scope: DestinationScope, filter: { mode?: DestinationMode } = {}): Promise<DestinationView[]> {
    const destinations = await this.#db.destination.findMany({ where: { ...scopedDestinationWhere(scope), ...filter }, orderBy: { createdAt: 'asc' } });
    return destinations.map(toDestinationView);
  }

  /**
   * A subscriber asks to go live (seed 003's flow) with what clients connecting to it will read.
   * From test, or again while pending to change what it asked; a live one has nothing to ask.
   */
  async requestLive(scope: DestinationScope, id: string, input: RequestLiveInput): Promise<DestinationView> {
    await this.#find(scope, id);
    const { count } = await this.#db.destination.updateMany({
      where: { id, ...scopedDestinationWhere(scope), mode: { in: ['test', 'pending_review'] } },
      data: { mode: 'pending_review', liveDescription: input.description, partnerIdLabel: input.partnerIdLabel, partnerIdHelp: input.partnerIdHelp },
    });
    const destination = await this.#find(scope, id);
    if (count === 0) throw new AppError('conflict', `destination ${id} is already live`);
    return toDestinationView(destination);
  }

  /**
   * Connects a destination that asked to go live (seed 003's flow): from now on it receives real
   * leads, with the client's Partner ID as `partner_id`. Only a `pending_review` one can be approved.
   */
  async approveLive(scope: DestinationScope, id: string, input: ApproveLiveInput): Promise<DestinationView> {
    assertOperator(scope, 'approving a go-live request');
    return this.#review(scope, id, { mode: 'live', partnerId: input.partnerId, reviewNote: null, ...(input.sources ? { sources: [...new Set(input.sources)] } : {}) });
  }

  /** Returns a destination that asked to go live to test, with the reason shown to its subscriber. */
  async rejectLive(scope: DestinationScope, id: string, reason: string): Promise<DestinationView> {
    assertOperator(scope, 'rejecting a go-live request');
    return this.#review(scope, id, { mode: 'test', reviewNote: reason });
  }

  async #review(scope: DestinationScope, id: string, data: Prisma.DestinationUpdateManyMutationInput): Promise<DestinationView> {
    // Conditional on the mode, so two operators reviewing at once cannot both act.
    const { count } = await this.#db.destination.updateMany({ where: { id, ...scopedDestinationWhere(scope), mode: 'pending_review' }, data });
    const destination = await this.#find(scope, id);
    if (count === 0) throw new AppError('conflict', `destination ${id} has not asked to go live (mode: ${destination.mode})`);
    return toDestinationView(destination);
  }

  /** Whether the destination's filter takes this lead document, and which condition decided it: the fan-out's own evaluation. */
  async testFilter(scope: DestinationScope, id: string, lead: object): Promise<FilterTestAnswer> {
    const destination = await this.#find(scope, id);
    return this.#filterTester.test((destination.filter ?? null) as LeadFilter | null, lead);
  }

  async get(scope: DestinationScope, id: string): Promise<DestinationView> {
    return toDestinationView(await this.#find(scope, id));
  }

  /** Takes effect for the next attempt of every delivery, pending ones included. */
  async update(scope: DestinationScope, id: string, input: UpdateDestinationInput): Promise<DestinationView> {
    if (scope.kind === 'subscriber' && (input.partnerId !== undefined || input.sources !== undefined || input.maxConcurrency !== undefined)) {
      assertOperator(scope, 'changing partnerId, sources or maxConcurrency');
    }
    await this.#find(scope, id);
    if (input.url !== undefined) await this.#assertUrlAllowed(input.url);
    const data: Prisma.DestinationUpdateInput = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.url !== undefined) data.url = input.url;
    if (input.partnerId !== undefined) data.partnerId = input.partnerId;
    if (input.events !== undefined) data.events = eventsOrAll(input.events);
    if (input.sources !== undefined) data.sources = [...new Set(input.sources)];
    if (input.filter !== undefined) data.filter = input.filter ?? Prisma.DbNull;
    if (input.timeoutMs !== undefined) data.timeoutMs = input.timeoutMs;
    if (input.maxConcurrency !== undefined) data.maxConcurrency = input.maxConcurrency;
    return toDestinationView(await this.#update(scope, id, data));
  }

  /** Soft delete: deliveries and attempts stay for the record; pending ones are paused, never sent. */
  async remove(scope: DestinationScope, id: string): Promise<void> {
    await this.#find(scope, id);
    await this.#update(scope, id, { deletedAt: new Date(), enabled: false, disabledAt: new Date(), disabledReason: 'deleted', disabledByOperator: false });
  }

  /**
   * A new secret, returned once. Receivers that check only X-Lead-Router-Signature keep working:
   * until `switchAt` that header is still signed with the secret they know, while webhook-signature
   * carries both. Rotating again before the switch-over keeps that same old secret.
   */
  async rotateSecret(scope: DestinationScope, id: string, input: RotateSecretInput): Promise<DestinationWithSecretView> {
    const destination = await this.#find(scope, id);
    const now = new Date();
    const secret = input.secret ?? generateSecret();
    const switchAt = input.switchAt ?? new Date(now.getTime() + defaultSecretSwitchOverMs);
    const rotating = destination.previousSecretCiphertext !== null && destination.secretSwitchAt !== null && destination.secretSwitchAt > now;
    const knownToReceivers = rotating ? destination.previousSecretCiphertext : destination.secretCiphertext;
    const immediate = switchAt <= now;
    const updated = await this.#update(scope, id, {
      ...this.#sealed(secret),
      previousSecretCiphertext: immediate || knownToReceivers === null ? null : this.#onNewestKey(knownToReceivers),
      secretSwitchAt: immediate ? null : switchAt,
    });
    return withSecret(updated, secret);
  }

  /**
   * Enables the destination and sends its paused deliveries, in event order. A subscriber may
   * enable its own after an automatic disable (a 410, failing too long), not after an operator's.
   */
  async enable(scope: DestinationScope, id: string): Promise<DestinationView & { resumedDeliveries: number }> {
    const current = await this.#find(scope, id);
    if (scope.kind === 'subscriber' && current.disabledByOperator) {
      throw new AppError('forbidden', `an operator disabled this destination (${current.disabledReason ?? 'no reason given'}): ask them to enable it`);
    }
    // Committed before the paused deliveries are read: see the locking note in DeliveryAttempter.
    const destination = await this.#update(scope, id, { enabled: true, disabledAt: null, disabledReason: null, disabledByOperator: false, failingSince: null });
    const resumedDeliveries = await this.#replayer.resumePaused(id);
    return { ...toDestinationView(destination), resumedDeliveries };
  }

  /** An operator's disable: new deliveries are kept paused, and pending ones pause at their next attempt. */
  async disable(scope: DestinationScope, id: string, reason?: string): Promise<DestinationView> {
    assertOperator(scope, 'disabling a destination');
    const destination = await this.#find(scope, id);
    if (!destination.enabled) return toDestinationView(destination);
    return toDestinationView(
      await this.#update(scope, id, {
        enabled: false,
        disabledAt: new Date(),
        disabledReason: reason ?? 'disabled by an operator',
        disabledByOperator: true,
      }),
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

  async #find(scope: DestinationScope, id: string): Promise<DestinationModel> {
    const destination = await this.#db.destination.findFirst({ where: { id, ...scopedDestinationWhere(scope) } });
    if (!destination) throw destinationNotFound(id);
    return destination;
  }

  /** Callers `#find` first; the condition repeats the scope so a row deleted meanwhile is a 404, not a change. */
  async #update(scope: DestinationScope, id: string, data: Prisma.DestinationUpdateInput): Promise<DestinationModel> {
    try {
      return await this.#db.destination.update({ where: { id, ...scopedDestinationWhere(scope) }, data });
    } catch (error) {
      if (isRecordNotFoundError(error)) throw destinationNotFound(id);
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

  /** The secret as stored: its ciphertext, and its length for the weak-secret warning. */
  #sealed(secret: string): { secretCiphertext: string; secretBytes: number } {
    return { secretCiphertext: this.#secretBox.encrypt(secret), secretBytes: destinationSecretBytes(secret) };
  }
}

function eventsOrAll(events: EventType[] | undefined): EventType[] {
  return events && events.length > 0 ? [...new Set(events)] : allEventTypes;
}

/** Registration and rotation answer the new secret, once. */
function withSecret(destination: DestinationModel, secret: string): DestinationWithSecretView {
  const view = toDestinationView(destination);
  return { ...view, secret, warnings: view.secretWarnings };
}

export function toDestinationView(destination: DestinationModel): DestinationView {
  return {
    id: destination.id,
    name: destination.name,
    url: destination.url,
    partnerId: destination.partnerId,
    events: destination.events,
    sources: destination.sources,
    filter: (destination.filter ?? null) as LeadFilter | null,
    timeoutMs: destination.timeoutMs,
    maxConcurrency: destination.maxConcurrency,
    enabled: destination.enabled,
    disabledAt: destination.disabledAt?.toISOString() ?? null,
    disabledReason: destination.disabledReason,
    failingSince: destination.failingSince?.toISOString() ?? null,
    secretSwitchAt: destination.secretSwitchAt?.toISOString() ?? null,
    secretWarnings: destination.secretBytes === null ? [] : destinationSecretWarnings(destination.secretBytes),
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
