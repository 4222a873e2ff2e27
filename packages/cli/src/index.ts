export { runCli } from './run-cli.ts';
export { buildProgram, defaultAdminUrl, developmentAdminToken } from './program.ts';
export { AdminClient } from './admin-client.ts';
export type { AdminRequestOptions, QueryValue } from './admin-client.ts';
export { AdminApiError } from './admin-api-error.ts';
export { AdminUnreachableError } from './admin-unreachable-error.ts';
export { exitCodes } from './exit-codes.ts';
export type { ExitCode } from './exit-codes.ts';
export type { CliStreams } from './command-context.ts';
