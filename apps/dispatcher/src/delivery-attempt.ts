import type { DatabaseClient } from '@leadrelay/db';
import type { SecretBox } from '@leadrelay/credentials';
import { recordDeliveryAttempt, type Logger } from '@leadrelay/observability';
import { serializeLeadDocument, type LeadDocument } from '@leadrelay/lead';
import { buildWebhookHeaders } from '@leadrelay/signing';
import type { WebhookResult, WebhookSender } from './webhook-sender.ts';

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

export type AttemptOutcome = 'delivered' | 'stopped' | 'gone' | 'retrying' | 'failed';

/** A pending delivery with everything its next attempt needs. */
export interface PreparedDelivery {
  deliveryId: string;
  destinationId: string;
  messageId: string;
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
}

export interface DeliveryAttempterOptions {
  db: DatabaseClient;
  sender: WebhookSender;
  secretBox: SecretBox;
  /** A destination failing this long without a success is disabled (DISPATCH_AUTO_DISABLE_AFTER). */
  autoDisableAfterMs: number;
  logger: Logger;
}

interface PlanRow {
  status: string;
  message_id: string;
  destination_id: string;
  url: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  secret_switch_at: Date | null;
  partner_id: string | null;
  timeout_ms: number;
  max_concurrency: number;
  active: boolean;
  document: LeadDocument;
  behind_earlier: boolean;
  request_id: string | null;
}

/**
 * One HTTP attempt of one delivery, recorded as a row whatever happens. The outcome follows
 * seed 003: 2xx delivered, 406 stop, and the Standard Webhooks 410 disables the destination.
 * Deliveries are read and recorded with one SQL statement each: this is the hot path.
 */
export class DeliveryAttempter {
  readonly #db: DatabaseClient;
  readonly #sender: WebhookSender;
  readonly #secretBox: SecretBox;
  readonly #autoDisableAfterMs: number;
  readonly #logger: Logger;

  constructor({ db, sender, secretBox, autoDisableAfterMs, logger }: DeliveryAttempterOptions) {
    this.#db = db;
    this.#sender = sender;
    this.#secretBox = secretBox;
    this.#autoDisableAfterMs = autoDisableAfterMs;
    this.#logger = logger;
  }

  /**
   * Reads a delivery and decides what its job does now. Order: a first attempt waits while an
   * earlier event of the same lead has a delivery to the same destination that has not finished its
   * first attempt (unless `ignoreOrder`). Retries and replays never wait.
   */
  async plan(deliveryId: string, { ignoreOrder = false } = {}): Promise<DeliveryPlan> {
    const [row] = await this.#db.$queryRaw<PlanRow[]>`
      SELECT d.status::text AS status, d.message_id::text AS message_id, d.destination_id::text AS destination_id,
             t.url, t.secret_ciphertext, t.previous_secret_ciphertext, t.secret_switch_at, t.partner_id,
             t.timeout_ms, t.max_concurrency, (t.enabled AND t.deleted_at IS NULL) AS active, e.document, e.request_id,
             (NOT ${ignoreOrder}::boolean AND d.status = 'pending' AND d.attempt_count = 0 AND EXISTS (
               SELECT 1 FROM events pe
               JOIN deliveries p ON p.event_id = pe.id AND p.destination_id = d.destination_id
               WHERE pe.lead_id = e.lead_id AND pe.sequence < e.sequence AND p.status = 'pending' AND p.attempt_count = 0
             )) AS behind_earlier
      FROM deliveries d
      JOIN destinations t ON t.id = d.destination_id
      JOIN events e ON e.id = d.event_id
      WHERE d.id = ${deliveryId}::uuid`;
    if (!row || row.status !== 'pending') return { kind: 'skip' };
    if (!row.active) {
      return (await this.#pause(deliveryId, row.destination_id)) ? { kind: 'paused' } : this.plan(deliveryId, { ignoreOrder });
    }
    if (row.behind_earlier) return { kind: 'behind-earlier' };
    return {
      kind: 'ready',
      delivery: {
        deliveryId,
        destinationId: row.destination_id,
        messageId: row.message_id,
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
    const body = serializeLeadDocument(delivery.document, delivery.partnerId);
    const headers = buildWebhookHeaders({
      messageId: delivery.messageId,
      body,
      secrets: {
        current: this.#secretBox.decrypt(delivery.secretCiphertext),
        previous: delivery.previousSecretCiphertext ? this.#secretBox.decrypt(delivery.previousSecretCiphertext) : null,
        switchAt: delivery.secretSwitchAt,
      },
    });
    const startedAt = new Date();
    const result = await this.#sender.send({ url: delivery.url, headers, body, timeoutMs: delivery.timeoutMs });
    const outcome = outcomeOf(result, context.isFinalAttempt);
    recordDeliveryAttempt(delivery.destinationId, outcome, result.durationMs);
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
    const nextAttemptAt = outcome === 'retrying' ? new Date(Date.now() + context.retryDelayMs) : null;
    await this.#record(delivery, startedAt, result, outcome, nextAttemptAt);
    if (outcome === 'retrying') throw new RetryableDeliveryError(describeResult(result), nextAttemptAt!);
    return outcome;
  }

  /** Ends a delivery whose job can no longer run (it failed outside the schedule, e.g. stalled too often). */
  async markFailed(deliveryId: string, reason: string): Promise<void> {
    await this.#db.$executeRaw`
      UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ${reason}::text, updated_at = ${new Date()}::timestamp(3)
      WHERE id = ${deliveryId}::uuid AND status = 'pending'`;
  }

  /**
   * Pauses a pending delivery if its destination is still disabled. The destination row is locked
   * (FOR SHARE) so that enabling it waits for this to commit and then resumes the delivery, or
   * commits first and this pauses nothing: a delivery is never left paused on an enabled destination.
   */
  async #pause(deliveryId: string, destinationId: string): Promise<boolean> {
    const paused = await this.#db.$executeRaw`
      UPDATE deliveries SET status = 'paused', next_attempt_at = NULL, updated_at = ${new Date()}::timestamp(3)
      WHERE id = ${deliveryId}::uuid AND status = 'pending'
        AND EXISTS (SELECT 1 FROM destinations t WHERE t.id = ${destinationId}::uuid AND (NOT t.enabled OR t.deleted_at IS NOT NULL) FOR SHARE)`;
    return paused === 1;
  }

  async #record(delivery: PreparedDelivery, startedAt: Date, result: WebhookResult, outcome: AttemptOutcome, nextAttemptAt: Date | null) {
    const status = { delivered: 'delivered', stopped: 'stopped', gone: 'stopped', retrying: 'pending', failed: 'failed' }[outcome];
    const now = new Date();
    const statusCode = result.kind === 'response' ? result.statusCode : null;
    const error = result.kind === 'error' ? result.error : null;
    const responseBody = result.kind === 'response' ? result.responseBody : null;
    const delivered = outcome === 'delivered';
    // One statement: the delivery, its attempt row and, on success, the end of the destination's
    // failing streak are written together.
    await this.#db.$executeRaw`
      WITH updated AS (
        UPDATE deliveries
        SET status = ${status}::"DeliveryStatus", attempt_count = attempt_count + 1,
            next_attempt_at = ${nextAttemptAt}::timestamp(3), last_error = ${delivered ? null : describeResult(result)}::text,
            delivered_at = ${delivered ? now : null}::timestamp(3), updated_at = ${now}::timestamp(3)
        WHERE id = ${delivery.deliveryId}::uuid
        RETURNING attempt_count
      ), streak_ended AS (
        UPDATE destinations SET failing_since = NULL
        WHERE ${delivered}::boolean AND id = ${delivery.destinationId}::uuid AND failing_since IS NOT NULL
      )
      INSERT INTO delivery_attempts (id, delivery_id, number, started_at, duration_ms, status_code, error, response_body, next_attempt_at)
      SELECT gen_random_uuid(), ${delivery.deliveryId}::uuid, attempt_count, ${startedAt}::timestamp(3), ${result.durationMs}::int,
             ${statusCode}::int, ${error}::text, ${responseBody}::text, ${nextAttemptAt}::timestamp(3)
      FROM updated`;
    if (outcome === 'gone') {
      await this.#disable(delivery.destinationId, now, 'the receiver answered 410 Gone');
    } else if (outcome === 'retrying' || outcome === 'failed') {
      await this.#countFailure(delivery.destinationId, startedAt, describeResult(result));
    }
  }

  /** Extends the destination's failing streak; past DISPATCH_AUTO_DISABLE_AFTER it is disabled. */
  async #countFailure(destinationId: string, startedAt: Date, lastError: string) {
    const [streak] = await this.#db.$queryRaw<{ failing_since: Date }[]>`
      UPDATE destinations SET failing_since = COALESCE(failing_since, ${startedAt}::timestamp(3))
      WHERE id = ${destinationId}::uuid AND enabled
      RETURNING failing_since`;
    if (!streak || startedAt.getTime() - streak.failing_since.getTime() < this.#autoDisableAfterMs) return;
    const reason =
      `disabled automatically: deliveries have failed without a success since ${streak.failing_since.toISOString()} ` +
      `(longer than ${formatDuration(this.#autoDisableAfterMs)}); last error: ${lastError}`;
    await this.#disable(destinationId, new Date(), reason);
  }

  async #disable(destinationId: string, now: Date, reason: string) {
    const disabled = await this.#db.$executeRaw`
      UPDATE destinations SET enabled = false, disabled_at = ${now}::timestamp(3), disabled_reason = ${reason}::text, updated_at = ${now}::timestamp(3)
      WHERE id = ${destinationId}::uuid AND enabled`;
    if (disabled === 1) this.#logger.warn({ destinationId, reason }, 'destination disabled; its new deliveries are kept paused');
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
