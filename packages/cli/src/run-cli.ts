import { CommanderError } from 'commander';
import { AdminApiError } from './admin-api-error.ts';
import { AdminUnreachableError } from './admin-unreachable-error.ts';
import { CommandFailedError } from './command-failed-error.ts';
import type { CliStreams } from './command-context.ts';
import { exitCodes, type ExitCode } from './exit-codes.ts';
import { buildProgram } from './program.ts';

const processStreams: CliStreams = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

/**
 * Runs one command line (without `node` and the script) and answers its exit code. Errors the
 * user can act on become one line on stderr; anything else is a bug and keeps its stack.
 */
export async function runCli(args: string[], streams: CliStreams = processStreams): Promise<ExitCode> {
  const program = buildProgram(streams);
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    // Commander has already written its message (or the help) to the streams.
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    if (error instanceof AdminApiError) {
      streams.writeErr(`error: ${error.message} (${error.status} ${error.code})\n`);
      return exitCodes.apiError;
    }
    if (error instanceof CommandFailedError) {
      streams.writeErr(`error: ${error.message}\n`);
      return exitCodes.apiError;
    }
    if (error instanceof AdminUnreachableError) {
      streams.writeErr(`error: ${error.message}\n`);
      return exitCodes.unreachable;
    }
    throw error;
  }
}
