import { createServer, type Server } from 'node:http';

/**
 * The destination of the bench: a local HTTP receiver that answers 200 at once and notes when
 * the first request for each lead id arrived. It does not verify signatures (the tests do):
 * its job is to cost as little as possible, so it never becomes the limit it measures.
 */
export class ArrivalReceiver {
  /** Requests answered, whatever their body. */
  requestCount = 0;
  /** `performance.now()` of the first arrival of each lead document, by its `id`. */
  readonly firstArrivalMsById = new Map<string, number>();
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks/leads`;
  }

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const arrivedAtMs = performance.now();
        this.requestCount += 1;
        const id = leadIdOf(Buffer.concat(chunks));
        if (id !== undefined && !this.firstArrivalMsById.has(id)) this.firstArrivalMsById.set(id, arrivedAtMs);
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
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
