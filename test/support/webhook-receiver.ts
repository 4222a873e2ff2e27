import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';

/**
 * A real HTTP server on a spare port of 127.0.0.1 that reads each request's body whole and
 * answers it with the status `answer` picks (body `ok` for 2xx, else `no`). The tests' receiver
 * below and the bench's (bench/arrival-receiver.ts) are this with their own `answer`.
 */
export abstract class LocalReceiver {
  #server: Server | undefined;
  #port = 0;

  /** Called once a request's body has arrived; returns the status to answer. */
  protected abstract answer(request: IncomingMessage, body: Buffer): number;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks/leads`;
  }

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = this.answer(request, Buffer.concat(chunks));
        // With a length the answer is not chunked: the least work for the receiver and the client.
        response.writeHead(status, { 'content-type': 'text/plain', 'content-length': '2' }).end(status < 300 ? 'ok' : 'no');
      });
    });
    // Many keep-alive connections from the dispatcher's pool; the defaults would close idle ones early.
    this.#server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The body bytes exactly as received. */
  body: Buffer;
  receivedAt: number;
}

/** A real HTTP receiver on a spare port that records every request and answers as told. */
export class WebhookReceiver extends LocalReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Status of the next answers; the last one repeats. */
  statuses: number[] = [200];

  protected answer(request: IncomingMessage, body: Buffer): number {
    this.received.push({ headers: request.headers, body, receivedAt: Date.now() });
    return this.statuses.length > 1 ? this.statuses.shift()! : this.statuses[0]!;
  }
}
