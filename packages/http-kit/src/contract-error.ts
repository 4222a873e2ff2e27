/**
 * An error whose answer a partner's contract dictates to the letter (aloware's
 * `{"message": ..., "errors": ...}`, for instance): the error handler sends `body` unchanged.
 */
export class ContractError extends Error {
  override readonly name = 'ContractError';

  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`contract answer ${statusCode}`);
  }
}
