import type { IncomingMessage } from 'node:http';
import { LocalReceiver } from '../test/support/webhook-receiver.ts';

/**
 * The destination of the bench: a local HTTP receiver that answers 200 at once and notes when
 * the first request for each lead id arrived. It does not verify signatures (the tests do):
 * its job is to cost as little as possible, so it never becomes the limit it measures.
 */
export class ArrivalReceiver extends LocalReceiver {
  /** Requests answered, whatever their body. */
  requestCount = 0;
  /** `performance.now()` of the first arrival of each lead document, by its `id`. */
  readonly firstArrivalMsById = new Map<string, number>();

  protected answer(_request: IncomingMessage, body: Buffer): number {
    const arrivedAtMs = performance.now();
    this.requestCount += 1;
    const id = leadIdOf(body);
    if (id !== undefined && !this.firstArrivalMsById.has(id)) this.firstArrivalMsById.set(id, arrivedAtMs);
    return 200;
  }
}

/** The lead document's `id` (seed 003); undefined for a body that is not one. */
function leadIdOf(body: Buffer): string | undefined {
  try {
    const document = JSON.parse(body.toString('utf8')) as { id?: unknown };
    return typeof document.id === 'string' ? document.id : undefined;
  } catch {
    // Not JSON: counted as a request, not as a lead's arrival.
    return undefined;
  }
}
