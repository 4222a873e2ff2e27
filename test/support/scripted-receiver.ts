import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A receiver whose answers are written by `answer`; it counts requests in flight and abandoned ones. */
export class ScriptedReceiver {
  received = 0;
  open = 0;
  maxOpen = 0;
  /** Requests the client gave up on before the answer ended. */
  abandoned = 0;
  bytesWritten = 0;
  readonly #server = createServer((request, response) => this.#handle(request, response));

  constructor(private readonly answer: (response: ServerResponse, receiver: ScriptedReceiver) => void) {}

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as { port: number }).port}/hooks`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(request: IncomingMessage, response: ServerResponse) {
    this.received += 1;
    this.open += 1;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    response.on('close', () => {
      this.open -= 1;
      if (!response.writableFinished) this.abandoned += 1;
    });
    request.resume();
    request.on('end', () => this.answer(response, this));
  }
}
