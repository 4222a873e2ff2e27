/**
 * The first bytes of a response body. The connection is dropped once they are in, so a huge answer
 * is never read; what came before a timeout or a reset is kept.
 */
export class ResponseBodyPrefix {
  readonly #chunks: Buffer[] = [];
  #size = 0;

  constructor(private readonly limitBytes: number) {}

  async read(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<void> {
    for await (const chunk of body) {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      if (this.#size >= this.limitBytes) {
        body.destroy();
        return;
      }
    }
  }

  /** As text for the attempt record; PostgreSQL refuses NUL characters in text. */
  text(): string {
    return Buffer.concat(this.#chunks).subarray(0, this.limitBytes).toString('utf8').replaceAll('\u0000', '\uFFFD');
  }
}
