import type { Dispatcher } from 'undici';
import { ResponseBodyPrefix } from './response-body-prefix.ts';
import type { WebhookResult } from './webhook-sender.ts';

/**
 * One POST's answer as undici hands it over (its dispatch handler): the status and the first
 * `limitBytes` of the body, then the connection is dropped. One timer covers the whole exchange,
 * from queueing for a connection to the body's end. Undici's own `request` would wrap the body in
 * a stream and the timeout in an AbortSignal, each more work than the rest of a small answer.
 */
export class WebhookExchange implements Dispatcher.DispatchHandler {
  readonly result: Promise<WebhookResult>;
  readonly #startedAtMs = performance.now();
  readonly #timeoutMs: number;
  readonly #prefix: ResponseBodyPrefix;
  readonly #timer: NodeJS.Timeout;
  #resolve!: (result: WebhookResult) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #statusCode: number | undefined;
  #timedOut = false;
  #settled = false;

  constructor({ timeoutMs, limitBytes }: { timeoutMs: number; limitBytes: number }) {
    this.#timeoutMs = timeoutMs;
    this.#prefix = new ResponseBodyPrefix(limitBytes);
    this.result = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    // Unref'd as AbortSignal.timeout's timer is: a request under way does not keep the process alive.
    this.#timer = setTimeout(() => this.#onTimeout(), timeoutMs).unref();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Timed out while waiting for a connection: ends now, as the answer it could not get.
    if (this.#timedOut) controller.abort(this.#timeoutError());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    // 1xx answers are interim: the outcome is the final status.
    if (statusCode >= 200) this.#statusCode = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#statusCode === undefined || this.#settled) return;
    if (this.#prefix.add(chunk)) {
      this.#settle(this.#response());
      controller.abort(new Error('the response body is past its limit'));
    }
  }

  onResponseEnd(): void {
    this.#settle(this.#statusCode === undefined ? { kind: 'error', error: 'no final answer', durationMs: this.#elapsedMs() } : this.#response());
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // The answer's status is the outcome; a body cut short (timeout, reset) only shortens the record.
    if (this.#statusCode !== undefined) this.#settle(this.#response());
    else this.#settle({ kind: 'error', error: this.#timedOut ? `timed out after ${this.#timeoutMs} ms` : describeError(error), durationMs: this.#elapsedMs() });
  }

  /** The exchange could not even be started (e.g. a closed pool): undici threw. */
  fail(error: unknown): void {
    this.#settle({ kind: 'error', error: describeError(error), durationMs: this.#elapsedMs() });
  }

  #onTimeout(): void {
    this.#timedOut = true;
    if (this.#controller) this.#controller.abort(this.#timeoutError());
    // Still waiting for a connection: the attempt ends now, and the request is aborted when undici starts it.
    else this.#settle({ kind: 'error', error: this.#timeoutError().message, durationMs: this.#elapsedMs() });
  }

  #timeoutError(): Error {
    return new Error(`timed out after ${this.#timeoutMs} ms`);
  }

  #response(): WebhookResult {
    return { kind: 'response', statusCode: this.#statusCode!, responseBody: this.#prefix.text(), durationMs: this.#elapsedMs() };
  }

  #settle(result: WebhookResult): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#resolve(result);
  }

  #elapsedMs(): number {
    return Math.round(performance.now() - this.#startedAtMs);
  }
}

function describeError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
