import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailableError } from '@leadrelay/db';
import { AppError, errorBody, errorStatusByCode, type ErrorCode, type ErrorDetail } from './app-error.ts';
import { ContractError } from './contract-error.ts';

/** Fastify's own errors for bad input, mapped onto our codes. */
const fastifyErrorCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_VALIDATION: 'validation_failed',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
};

/**
 * True when the error, or one it was caused by, says PostgreSQL cannot be reached: a request
 * that failed on it may succeed later, so it is a 503 ("retry"), never a 500.
 */
function causedByDatabaseOutage(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (isDatabaseUnavailableError(current)) return true;
  }
  return false;
}

function validationDetails(error: FastifyError): ErrorDetail[] {
  return (error.validation ?? []).map((issue) => {
    const location = error.validationContext ?? 'body';
    const path = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    return { path: path ? `${location}.${path}` : location, message: issue.message ?? 'is invalid' };
  });
}

/**
 * The one place errors become answers: codes map to statuses, bad input is always a clear 4xx,
 * and a 5xx never shows its cause (it is logged with the request id instead).
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ContractError) {
        return reply.status(error.statusCode).headers(error.headers).send(error.body);
      }
      if (error instanceof AppError) {
        return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
      }
      if (error.validation) {
        return reply
          .status(400)
          .send(errorBody('validation_failed', 'the request is invalid', validationDetails(error)));
      }
      const mapped = error.code ? fastifyErrorCodes[error.code] : undefined;
      if (mapped) {
        const message = mapped === 'malformed_json' ? `malformed JSON: ${error.message}` : error.message;
        return reply.status(errorStatusByCode[mapped]).send(errorBody(mapped, message));
      }
      const status = error.statusCode ?? 500;
      if (status === 429) {
        return reply.status(429).send(errorBody('rate_limited', error.message));
      }
      if (status >= 400 && status < 500) {
        return reply.status(status).send(errorBody('bad_request', error.message));
      }
      request.log.error({ err: error }, 'request failed');
      if (status === 503 || causedByDatabaseOutage(error)) {
        return reply.status(503).send(errorBody('service_unavailable', 'the service is unavailable, retry later'));
      }
      return reply.status(500).send(errorBody('internal', 'internal error'));
    });

    app.setNotFoundHandler((request, reply) => {
      reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
    });
  },
  { name: 'error-handler' },
);
