import { Prisma, erasedDeliveryReason, runStatement, type DatabaseClient } from '@leadrelay/db';
import type { LeadDocument } from '@leadrelay/lead';
import { MicroBatcher } from '@leadrelay/group-commit';

/** A delivery with its destination and event, as its next attempt needs them. */
export interface DeliveryRow {
  id: string;
  status: string;
  /** Attempts recorded so far, over every run. */
  attempt_count: number;
  message_id: string;
  destination_id: string;
  url: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  secret_switch_at: Date | null;
  partner_id: string | null;
  timeout_ms: number;
  max_concurrency: number;
  /** Enabled and not deleted. */
  active: boolean;
  /** Null once retention removed it (RETENTION_DELIVERY_CONTENT). */
  document: LeadDocument | null;
  /** The intake request the lead came in with, so logs follow it to its deliveries. */
  request_id: string | null;
  /**
   * A first attempt while an earlier event of the same lead has a delivery to the same destination
   * that has not finished its first attempt.
   */
  behind_earlier: boolean;
}

/** One finished attempt and the delivery's state after it. */
export interface AttemptRecord {
  deliveryId: string;
  destinationId: string;
  status: 'pending' | 'delivered' | 'stopped' | 'failed';
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  /** The delivery's last error: null once delivered. */
  lastError: string | null;
  nextAttemptAt: Date | null;
  /** The request's headers as sent, and the `partner_id` its body carried: see DeliveryDirectory. */
  requestHeaders: Record<string, string>;
  requestPartnerId: string | null;
}

export interface DeliveryStoreOptions {
  db: DatabaseClient;
  /** Deliveries read, or attempts recorded, by one statement at most. */
  maxBatchSize?: number;
  /** Reading statements (and recording statements) running at once at most. */
  maxConcurrentBatches?: number;
}

/**
 * The dispatcher's SQL for deliveries. Reads and attempt records are the hot path: those of the
 * deliveries in flight are gathered into shared statements (see MicroBatcher).
 */
export class DeliveryStore {
  readonly #db: DatabaseClient;
  readonly #loads: MicroBatcher<string, DeliveryRow | undefined>;
  readonly #records: MicroBatcher<AttemptRecord, void>;

  constructor({ db, maxBatchSize = 200, maxConcurrentBatches = 2 }: DeliveryStoreOptions) {
    this.#db = db;
    this.#loads = new MicroBatcher({ run: (ids) => this.#loadMany(ids), maxBatchWeight: maxBatchSize, maxConcurrentBatches });
    this.#records = new MicroBatcher({ run: (records) => this.#recordMany(records), maxBatchWeight: maxBatchSize, maxConcurrentBatches });
  }

  load(deliveryId: string): Promise<DeliveryRow | undefined> {
    return this.#loads.submit(deliveryId);
  }

  /** Writes the attempt row and the delivery's new state; a success also ends its destination's failing streak. */
  recordAttempt(record: AttemptRecord): Promise<void> {
    return this.#records.submit(record);
  }

  /**
   * Pauses a pending delivery if its destination, or the subscriber that owns it, is still
   * disabled. Their rows are locked (FOR SHARE) so that enabling either waits for this to commit and
   * then resumes the delivery, or commits first and this pauses nothing: a delivery is never left
   * paused on an enabled destination of an enabled subscriber.
   */
  async pauseIfInactive(deliveryId: string, destinationId: string): Promise<boolean> {
    const paused = await this.#db.$executeRaw`
      UPDATE deliveries SET status = 'paused', next_attempt_at = NULL, updated_at = ${new Date()}::timestamp(3)
      WHERE id = ${deliveryId}::uuid AND status = 'pending'
        AND EXISTS (
          SELECT 1 FROM destinations t WHERE t.id = ${destinationId}::uuid
            AND (NOT t.enabled OR t.deleted_at IS NOT NULL
                 OR EXISTS (SELECT 1 FROM subscribers s WHERE s.id = t.subscriber_id AND s.disabled_at IS NOT NULL FOR SHARE))
          FOR SHARE)`;
    return paused === 1;
  }

  async markFailed(deliveryId: string, reason: string): Promise<void> {
    await this.#db.$executeRaw`
      UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ${reason}::text, updated_at = ${new Date()}::timestamp(3)
      WHERE id = ${deliveryId}::uuid AND status = 'pending'`;
  }

  /** Starts or extends the destination's failing streak; returns when it started, or null if it is disabled. */
  async extendFailingStreak(destinationId: string, failedAt: Date): Promise<Date | null> {
    const [streak] = await this.#db.$queryRaw<{ failing_since: Date }[]>`
      UPDATE destinations SET failing_since = COALESCE(failing_since, ${failedAt}::timestamp(3))
      WHERE id = ${destinationId}::uuid AND enabled
      RETURNING failing_since`;
    return streak?.failing_since ?? null;
  }

  /** Disables an enabled destination with the reason; false if it was not enabled. */
  async disable(destinationId: string, reason: string): Promise<boolean> {
    const now = new Date();
    const disabled = await this.#db.$executeRaw`
      UPDATE destinations SET enabled = false, disabled_at = ${now}::timestamp(3), disabled_reason = ${reason}::text, updated_at = ${now}::timestamp(3)
      WHERE id = ${destinationId}::uuid AND enabled`;
    return disabled === 1;
  }

  async #loadMany(ids: string[]): Promise<(DeliveryRow | undefined)[]> {
    // The ids go in as one text and the rows come back as one JSON text: per-element and per-column
    // handling cost more than the statement itself at a few hundred rows (through Prisma's client,
    // about a quarter of the dispatcher's CPU in bench/dispatch.ts), while JSON.parse of one text is
    // cheap. runStatement sends it past Prisma's query compiler.
    const [result] = await runStatement<{ rows: string }>(
      this.#db,
      Prisma.sql`
      SELECT coalesce(json_agg(r), '[]')::text AS rows FROM (
        SELECT d.id, d.status, d.attempt_count, d.message_id, d.destination_id,
               t.url, t.secret_ciphertext, t.previous_secret_ciphertext, t.secret_switch_at, t.partner_id,
               t.timeout_ms, t.max_concurrency, (t.enabled AND t.deleted_at IS NULL AND (t.subscriber_id IS NULL OR NOT EXISTS (
                 SELECT 1 FROM subscribers s WHERE s.id = t.subscriber_id AND s.disabled_at IS NOT NULL))) AS active, e.document, e.request_id,
               (d.status = 'pending' AND d.attempt_count = 0 AND EXISTS (
                 -- From the lead's earlier events (usually none or a few) to their delivery here, never
                 -- from the destination's pending deliveries (thousands in a backlog, and a planner with
                 -- stale statistics may think none): a scalar subquery is never turned into a join.
                 SELECT 1 FROM events pe
                 WHERE pe.lead_id = e.lead_id AND pe.sequence < e.sequence
                   AND (SELECT p.status = 'pending' AND p.attempt_count = 0 FROM deliveries p
                        WHERE p.event_id = pe.id AND p.destination_id = d.destination_id)
               )) AS behind_earlier
        FROM deliveries d
        JOIN destinations t ON t.id = d.destination_id
        JOIN events e ON e.id = d.event_id
        WHERE d.id = ANY (string_to_array(${ids.join(',')}::text, ',')::uuid[])
      ) r`,
    );
    const byId = new Map(
      (JSON.parse(result?.rows ?? '[]') as (Omit<DeliveryRow, 'secret_switch_at'> & { secret_switch_at: string | null })[]).map((row) => [
        row.id,
        // JSON has no dates: a timestamp(3) column (UTC, without a zone) comes as its ISO text.
        { ...row, secret_switch_at: row.secret_switch_at === null ? null : new Date(`${row.secret_switch_at}Z`) },
      ]),
    );
    return ids.map((id) => byId.get(id));
  }

  async #recordMany(records: AttemptRecord[]): Promise<void[]> {
    // The records go in as one JSON text, for the reason #loadMany gives.
    const input = JSON.stringify(
      records.map((record) => ({
        delivery_id: record.deliveryId,
        status: record.status,
        started_at: record.startedAt.toISOString(),
        duration_ms: record.durationMs,
        status_code: record.statusCode,
        error: record.error,
        response_body: record.responseBody,
        last_error: record.lastError,
        next_attempt_at: record.nextAttemptAt?.toISOString() ?? null,
        request_headers: record.requestHeaders,
        request_partner_id: record.requestPartnerId,
      })),
    );
    // One statement: the deliveries, their attempt rows and, on success, the end of each
    // destination's failing streak are written together.
    const writtenAt = new Date().toISOString();
    await runStatement(
      this.#db,
      Prisma.sql`
      WITH input AS (
        SELECT * FROM json_to_recordset(${input}::json) AS i(
          delivery_id uuid, status text, started_at timestamp(3), duration_ms int, status_code int,
          error text, response_body text, last_error text, next_attempt_at timestamp(3),
          request_headers json, request_partner_id text)
      ), updated AS (
        -- A delivery an erasure stopped while this attempt was under way stays stopped unless the
        -- attempt delivered it (then it was made: delivered), and every attempt of an erased lead
        -- is recorded without the answer, which may echo the person.
        UPDATE deliveries d
        SET status = CASE WHEN d.last_error = ${erasedDeliveryReason} AND i.status <> 'delivered' THEN d.status ELSE i.status::"DeliveryStatus" END,
            attempt_count = d.attempt_count + 1,
            next_attempt_at = CASE WHEN d.last_error = ${erasedDeliveryReason} THEN NULL ELSE i.next_attempt_at END,
            last_error = CASE WHEN d.last_error = ${erasedDeliveryReason} AND i.status <> 'delivered' THEN d.last_error ELSE i.last_error END,
            updated_at = ${writtenAt}::timestamp(3),
            delivered_at = CASE WHEN i.status = 'delivered' THEN ${writtenAt}::timestamp(3) ELSE NULL END
        FROM input i
        WHERE d.id = i.delivery_id
        RETURNING d.id, d.attempt_count, d.destination_id, i.status,
          EXISTS (SELECT 1 FROM events e JOIN leads l ON l.id = e.lead_id WHERE e.id = d.event_id AND l.erased_at IS NOT NULL) AS erased
      ), streak_ended AS (
        UPDATE destinations SET failing_since = NULL
        WHERE id IN (SELECT destination_id FROM updated WHERE status = 'delivered') AND failing_since IS NOT NULL
      )
      INSERT INTO delivery_attempts (id, delivery_id, number, started_at, duration_ms, status_code, error, response_body, next_attempt_at,
        request_headers, request_partner_id)
      SELECT gen_random_uuid(), u.id, u.attempt_count, i.started_at, i.duration_ms, i.status_code, i.error,
        CASE WHEN u.erased THEN NULL ELSE i.response_body END, CASE WHEN u.erased THEN NULL ELSE i.next_attempt_at END,
        i.request_headers::text, i.request_partner_id
      FROM updated u JOIN input i ON i.delivery_id = u.id`,
    );
    return records.map(() => undefined);
  }
}
