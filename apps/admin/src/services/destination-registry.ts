import { randomUUID } from 'node:crypto';
import type { DatabaseClient, DestinationModel, EventType } from '@leadrelay/db';
import { generateSecret, type SecretBox } from '@leadrelay/credentials';
import { AppError } from '@leadrelay/http-kit';
import { DestinationUrlRefusedError, assertDestinationUrlAllowed } from '@leadrelay/destination-policy';

export const allEventTypes: EventType[] = ['created', 'updated', 'activity_added'];

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
  disabledReason: string | null;
  secretSwitchAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export class DestinationRegistry {
  constructor(
    private readonly db: DatabaseClient,
    private readonly secretBox: SecretBox,
    private readonly allowPrivate: boolean,
  ) {}

  async create(input: CreateDestinationInput): Promise<DestinationView & { secret: string }> {
    await this.#assertUrlAllowed(input.url);
    const secret = input.secret ?? generateSecret();
    const destination = await this.db.destination.create({
      data: {
        id: randomUUID(),
        name: input.name,
        url: input.url,
        secretCiphertext: this.secretBox.encrypt(secret),
        partnerId: input.partnerId ?? null,
        events: input.events && input.events.length > 0 ? [...new Set(input.events)] : allEventTypes,
        sources: [...new Set(input.sources ?? [])],
        timeoutMs: input.timeoutMs ?? 10_000,
        maxConcurrency: input.maxConcurrency ?? 10,
      },
    });
    return { ...toDestinationView(destination), secret };
  }

  async list(): Promise<DestinationView[]> {
    const destinations = await this.db.destination.findMany({ where: { deletedAt: null }, orderBy: { createdAt: 'asc' } });
    return destinations.map(toDestinationView);
  }

  async get(id: string): Promise<DestinationView> {
    const destination = await this.db.destination.findFirst({ where: { id, deletedAt: null } });
    if (!destination) throw new AppError('not_found', `no destination ${id}`);
    return toDestinationView(destination);
  }

  async #assertUrlAllowed(url: string) {
    try {
      await assertDestinationUrlAllowed(url, { allowPrivate: this.allowPrivate });
    } catch (error) {
      if (error instanceof DestinationUrlRefusedError) {
        throw new AppError('validation_failed', `url refused: ${error.message}`, [{ path: 'body.url', message: error.message }]);
      }
      throw error;
    }
  }
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
    disabledReason: destination.disabledReason,
    secretSwitchAt: destination.secretSwitchAt?.toISOString() ?? null,
    createdAt: destination.createdAt.toISOString(),
    updatedAt: destination.updatedAt.toISOString(),
  };
}
