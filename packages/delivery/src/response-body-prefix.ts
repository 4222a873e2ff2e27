/**
 * The first bytes of a response body, as they arrive. The caller drops the connection once it is
 * full, so a huge answer is never read; what came before a timeout or a reset is kept.
 */
export class ResponseBodyPrefix {
  readonly #chunks: Buffer[] = [];
  #size = 0;

  constructor(private readonly limitBytes: number) {}

  /** Keeps a chunk; true once the prefix holds `limitBytes` or more. */
  add(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    return this.#size >= this.limitBytes;
  }

  /** As text for the attempt record; PostgreSQL refuses NUL characters in text. */
  text(): string {
    if (this.#size === 0) return '';
    const bytes = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    return bytes.subarray(0, this.limitBytes).toString('utf8').replaceAll('\u0000', '\uFFFD');
  }
}
