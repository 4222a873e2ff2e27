export { AppError, errorBody, errorStatusByCode } from './app-error.ts';
export type { ErrorBody, ErrorCode, ErrorDetail } from './app-error.ts';
export { errorHandlerPlugin } from './error-handler.ts';
export { ErrorBodySchema } from './error-schema.ts';
