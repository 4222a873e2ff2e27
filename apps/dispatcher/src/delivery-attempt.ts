import { randomUUID } from 'node:crypto';
import type { DatabaseClient } from '@leadrelay/db';
import type { SecretBox } from '@leadrelay/credentials';
import { serializeLeadDocument, type LeadDocument } from '@leadrelay/lead';
import { buildWebhookHeaders } from '@leadrelay/signing';
import type { WebhookResult, WebhookSender } from './webhook-sender.ts';

/** Thrown after a failed attempt that will be retried on the schedule. */
export class RetryableDeliveryError extends Error {
  override readonly name = 'RetryableDeliveryError';
}

export type AttemptOutcome = 'delivered' | 'stopped' | 'gone' | 'retrying' | 'failed' | 'skipped' | 'paused';

export interface AttemptContext {
  /** True when this is the last attempt the schedule allows. */
  isFinalAttempt: boolean;
  /** When the next attempt would run, if this one fails and is not final. */
  nextAttemptAt: Date | null;
}

/**
 * One HTTP attempt of one delivery, recorded as a row whatever happens. The outcome follows
 * seed 003: 2xx delivered, 406 stop, and the Standard Webhooks 410 disables the destination.
 */
export class DeliveryAttempter {
  constructor(
    private readonly db: DatabaseClient,
    private readonly sender: WebhookSender,
    private readonly secretBox: SecretBox,
    private readonly defaultTimeoutMs: number,
  ) {}

  async attempt(deliveryId: string, context: AttemptContext): Promise<AttemptOutcome> {
    const delivery = await this.db.delivery.findUnique({
      where: { id: deliveryId },
      include: { destination: true, event: { select: { document: true } } },
    });
    if (!delivery || delivery.status !== 'pending') return 'skipped';
    const { destination } = delivery;
    if (!destination.enabled || destination.deletedAt) {
      await this.db.delivery.update({ where: { id: deliveryId }, data: { status: 'paused' } });
      return 'paused';
    }

    const body = serializeLeadDocument(delivery.event.document as unknown as LeadDocument, destination.partnerId);
    const headers = buildWebhookHeaders({
      messageId: delivery.messageId,
      body,
      secrets: {
        current: this.secretBox.decrypt(destination.secretCiphertext),
        previous: destination.previousSecretCiphertext ? this.secretBox.decrypt(destination.previousSecretCiphertext) : null,
        switchAt: destination.secretSwitchAt,
      },
    });
    const startedAt = new Date();
    const result = await this.sender.send({
      url: destination.url,
      headers,
      body,
      timeoutMs: destination.timeoutMs || this.defaultTimeoutMs,
    });
    const outcome = outcomeOf(result, context.isFinalAttempt);
    await this.#record(deliveryId, destination.id, startedAt, result, outcome, context);
    if (outcome === 'retrying') {
      throw new RetryableDeliveryError(describeResult(result));
    }
    return outcome;
  }

  async #record(
    deliveryId: string,
    destinationId: string,
    startedAt: Date,
    result: WebhookResult,
    outcome: AttemptOutcome,
    context: AttemptContext,
  ) {
    const nextAttemptAt = outcome === 'retrying' ? context.nextAttemptAt : null;
    const status = { delivered: 'delivered', stopped: 'stopped', gone: 'stopped', retrying: 'pending', failed: 'failed' } as const;
    await this.db.$transaction(async (tx) => {
      const delivery = await tx.delivery.update({
        where: { id: deliveryId },
        data: {
          status: status[outcome as keyof typeof status],
          attemptCount: { increment: 1 },
          nextAttemptAt,
          lastError: outcome === 'delivered' ? null : describeResult(result),
          deliveredAt: outcome === 'delivered' ? new Date() : null,
        },
        select: { attemptCount: true },
      });
      await tx.deliveryAttempt.create({
        data: {
          id: randomUUID(),
          deliveryId,
          number: delivery.attemptCount,
          startedAt,
          durationMs: result.durationMs,
          statusCode: result.kind === 'response' ? result.statusCode : null,
          error: result.kind === 'error' ? result.error : null,
          responseBody: result.kind === 'response' ? result.responseBody : null,
          nextAttemptAt,
        },
      });
      if (outcome === 'delivered') {
        await tx.destination.updateMany({ where: { id: destinationId, failingSince: { not: null } }, data: { failingSince: null } });
      } else if (outcome === 'gone') {
        await tx.destination.update({
          where: { id: destinationId },
          data: { enabled: false, disabledAt: new Date(), disabledReason: 'the receiver answered 410 Gone' },
        });
      } else if (outcome === 'retrying' || outcome === 'failed') {
        await tx.destination.updateMany({ where: { id: destinationId, failingSince: null }, data: { failingSince: startedAt } });
      }
    });
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
