/** Every error code LeadRelay answers with, and its HTTP status. */
export const errorStatusByCode = {
  bad_request: 400,
  malformed_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** The content an action needs was removed by retention (e.g. a delivery's document). */
  content_expired: 409,
  /** The lead was erased (POST /v1/erasures): only its tombstone is left. */
  erased: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatusByCode;

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error meant for the client: its code decides the status, its message is safe to show. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.statusCode = errorStatusByCode[code];
  }
}

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetail[]): ErrorBody {
  return details ? { error: { code, message, details } } : { error: { code, message } };
}
