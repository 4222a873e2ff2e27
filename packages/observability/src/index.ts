export { createLogger, redactedLogPaths, wantsPrettyLogs } from './logger.ts';
export type { CreateLoggerOptions, Logger } from './logger.ts';
