import { recordDeliveryAttempt, recordDestinationAutoDisabled, type Logger } from '@leadrelay/observability';
import type { LeadDocument } from '@leadrelay/lead';
import { buildSignedWebhook, type DecryptedSecrets, type WebhookResult, type WebhookSender } from '@leadrelay/delivery';
import type { AttemptRecord, DeliveryStore } from './delivery-store.ts';

/** Thrown after a failed attempt that will be retried on the schedule, at `retryAt`. */
export class RetryableDeliveryError extends Error {
  override readonly name = 'RetryableDeliveryError';

  constructor(
    message: string,
    /** The next attempt time recorded with the attempt; the job waits until then. */
    readonly retryAt: Date,
  ) {
    super(message);
  }
}

/** The last error of a delivery whose document retention removed before it could be sent. */
export const contentExpiredReason = 'content_expired: the lead document was removed by retention (RETENTION_DELIVERY_CONTENT); it cannot be sent again';

export type AttemptOutcome = 'delivered' | 'stopped' | 'gone' | 'retrying' | 'failed';

/** A pending delivery with everything its next attempt needs. */
export interface PreparedDelivery {
  deliveryId: string;
  destinationId: string;
  messageId: string;
  /** Attempts recorded so far, over every run. */
  attemptCount: number;
  url: string;
  timeoutMs: number;
  maxConcurrency: number;
  /** The destination's account id, sent as `partner_id`. */
  partnerId: string | null;
  document: LeadDocument;
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  secretSwitchAt: Date | null;
  /** The intake request the lead came in with, so logs follow it to its deliveries. */
  requestId: string | null;
}

/** What to do with a delivery job now. */
export type DeliveryPlan =
  /** Nothing: the delivery is gone, or not pending (delivered, stopped, failed, paused). */
  | { kind: 'skip' }
  /** The destination is disabled or deleted: the delivery was recorded as paused. */
  | { kind: 'paused' }
  /** An earlier event of the same lead has a delivery to this destination not tried yet: go after it. */
  | { kind: 'behind-earlier' }
  | { kind: 'ready'; delivery: PreparedDelivery };

export interface AttemptContext {
  /** True when this is the last attempt the schedule allows. */
  isFinalAttempt: boolean;
  /** The wait before the next attempt, if this one fails and is not final. */
  retryDelayMs: number;
  /** Called once the receiver has answered (or failed to), before the attempt is recorded. */
  onAnswered?: () => void;
}

export interface DeliveryAttempterOptions {
  store: DeliveryStore;
  sender: WebhookSender;
  /** Destination secrets, decrypted once per ciphertext. */
  secrets: DecryptedSecrets;
  /** A destination failing this long without a success is disabled (DISPATCH_AUTO_DISABLE_AFTER). */
  autoDisableAfterMs: number;
  logger: Logger;
}

/**
 * One HTTP attempt of one delivery, recorded as a row whatever happens. The outcome follows
 * seed 003: 2xx delivered, 406 stop, and the Standard Webhooks 410 disables the destination.
 */
export class DeliveryAttempter {
  readonly #store: DeliveryStore;
  readonly #sender: WebhookSender;
  readonly #secrets: DecryptedSecrets;
  readonly #autoDisableAfterMs: number;
  readonly #logger: Logger;

  constructor({ store, sender, secrets, autoDisableAfterMs, logger }: DeliveryAttempterOptions) {
    this.#store = store;
    this.#sender = sender;
    this.#secrets = secrets;
    this.#autoDisableAfterMs = autoDisableAfterMs;
    this.#logger = logger;
  }

  /**
   * Reads a delivery and decides what its job does now. Order: a first attempt waits while an
   * earlier event of the same lead has a delivery to the same destination that has not finished its
   * first attempt (unless `ignoreOrder`). Retries and replays never wait.
   */
  async plan(deliveryId: string, { ignoreOrder = false } = {}): Promise<DeliveryPlan> {
    const row = await this.#store.load(deliveryId);
    if (!row || row.status !== 'pending') return { kind: 'skip' };
    if (row.document === null) {
      // Retention removed the event's document after this delivery was settled, and a replay or a
      // resume raced the sweep: there is nothing to send, now or later.
      await this.#store.markFailed(deliveryId, contentExpiredReason);
      return { kind: 'skip' };
    }
    if (!row.active) {
      return (await this.#store.pauseIfInactive(deliveryId, row.destination_id)) ? { kind: 'paused' } : this.plan(deliveryId, { ignoreOrder });
    }
    if (row.behind_earlier && !ignoreOrder) return { kind: 'behind-earlier' };
    return {
      kind: 'ready',
      delivery: {
        deliveryId,
        destinationId: row.destination_id,
        messageId: row.message_id,
        attemptCount: row.attempt_count,
        url: row.url,
        timeoutMs: row.timeout_ms,
        maxConcurrency: row.max_concurrency,
        partnerId: row.partner_id,
        document: row.document,
        secretCiphertext: row.secret_ciphertext,
        previousSecretCiphertext: row.previous_secret_ciphertext,
        secretSwitchAt: row.secret_switch_at,
        requestId: row.request_id,
      },
    };
  }

  /** Sends and records one attempt; throws RetryableDeliveryError when the schedule goes on. */
  async attempt(delivery: PreparedDelivery, context: AttemptContext): Promise<AttemptOutcome> {
    const { body, headers } = buildSignedWebhook({
      messageId: delivery.messageId,
      document: delivery.document,
      partnerId: delivery.partnerId,
      secrets: delivery,
      decrypter: this.#secrets,
    });
    const startedAt = new Date();
    const result = await this.#sender.send({ url: delivery.url, headers, body, timeoutMs: delivery.timeoutMs });
    context.onAnswered?.();
    const request = { headers, partnerId: delivery.partnerId };
    const outcome = outcomeOf(result, context.isFinalAttempt);
    recordDeliveryAttempt(delivery.destinationId, outcome, result.durationMs);
    // The fields are only worth gathering when debug lines are written.
    if (this.#logger.isLevelEnabled('debug')) {
      this.#logger.debug(
        {
          requestId: delivery.requestId,
          deliveryId: delivery.deliveryId,
          destinationId: delivery.destinationId,
          outcome,
          statusCode: result.kind === 'response' ? result.statusCode : undefined,
          durationMs: result.durationMs,
        },
        'delivery attempt',
      );
    }
    const nextAttemptAt = outcome === 'retrying' ? new Date(Date.now() + context.retryDelayMs) : null;
    await this.#record(delivery, startedAt, request, result, outcome, nextAttemptAt);
    if (outcome === 'retrying') throw new RetryableDeliveryError(describeResult(result), nextAttemptAt!);
    return outcome;
  }

  /** Ends a delivery whose job can no longer run (it failed outside the schedule, e.g. stalled too often). */
  markFailed(deliveryId: string, reason: string): Promise<void> {
    return this.#store.markFailed(deliveryId, reason);
  }

  async #record(
    delivery: PreparedDelivery,
    startedAt: Date,
    request: { headers: Record<string, string>; partnerId: string | null },
    result: WebhookResult,
    outcome: AttemptOutcome,
    nextAttemptAt: Date | null,
  ) {
    const status = ({ delivered: 'delivered', stopped: 'stopped', gone: 'stopped', retrying: 'pending', failed: 'failed' } as const)[outcome];
    const record: AttemptRecord = {
      deliveryId: delivery.deliveryId,
      destinationId: delivery.destinationId,
      status,
      startedAt,
      durationMs: result.durationMs,
      statusCode: result.kind === 'response' ? result.statusCode : null,
      error: result.kind === 'error' ? result.error : null,
      responseBody: result.kind === 'response' ? result.responseBody : null,
      lastError: outcome === 'delivered' ? null : describeResult(result),
      nextAttemptAt,
      requestHeaders: request.headers,
      requestPartnerId: request.partnerId,
    };
    await this.#store.recordAttempt(record);
    if (outcome === 'gone') {
      await this.#disable(delivery.destinationId, 'the receiver answered 410 Gone');
    } else if (outcome === 'retrying' || outcome === 'failed') {
      await this.#countFailure(delivery.destinationId, startedAt, describeResult(result));
    }
  }

  /** Extends the destination's failing streak; past DISPATCH_AUTO_DISABLE_AFTER it is disabled. */
  async #countFailure(destinationId: string, startedAt: Date, lastError: string) {
    const failingSince = await this.#store.extendFailingStreak(destinationId, startedAt);
    if (!failingSince || startedAt.getTime() - failingSince.getTime() < this.#autoDisableAfterMs) return;
    const reason =
      `disabled automatically: deliveries have failed without a success since ${failingSince.toISOString()} ` +
      `(longer than ${formatDuration(this.#autoDisableAfterMs)}); last error: ${lastError}`;
    await this.#disable(destinationId, reason);
  }

  async #disable(destinationId: string, reason: string) {
    if (await this.#store.disable(destinationId, reason)) {
      recordDestinationAutoDisabled();
      this.#logger.warn({ destinationId, reason }, 'destination disabled; its new deliveries are kept paused');
    }
  }
}

function outcomeOf(result: WebhookResult, isFinalAttempt: boolean): AttemptOutcome {
  if (result.kind === 'response') {
    if (result.statusCode >= 200 && result.statusCode < 300) return 'delivered';
    if (result.statusCode === 406) return 'stopped';
    if (result.statusCode === 410) return 'gone';
  }
  return isFinalAttempt ? 'failed' : 'retrying';
}

function describeResult(result: WebhookResult): string {
  return result.kind === 'response' ? `HTTP ${result.statusCode}` : result.error;
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
