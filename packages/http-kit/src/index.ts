export { AppError, errorBody, errorStatusByCode } from './app-error.ts';
export type { ErrorBody, ErrorCode, ErrorDetail } from './app-error.ts';
export { errorHandlerPlugin } from './error-handler.ts';
export { ErrorBodySchema } from './error-schema.ts';
export { healthRoutes } from './health-routes.ts';
export { createHttpApp } from './create-http-app.ts';
export type { CreateHttpAppOptions } from './create-http-app.ts';
export { startHealthServer } from './health-server.ts';
export type { HealthServerOptions } from './health-server.ts';
