import type { Command } from 'commander';
import { createAdminApi, type AdminApi } from './admin-api.ts';
import { CommandOutput } from './command-output.ts';

/** Where the CLI writes; the process's streams, or a test's buffers. */
export interface CliStreams {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

interface GlobalOptions {
  adminUrl: string;
  token: string;
  json?: boolean;
}

/** What every command's action needs, made from the global options. */
export interface CommandContext {
  client: AdminApi;
  output: CommandOutput;
}

export type CommandContextFactory = (command: Command) => CommandContext;

export function commandContextFactory(streams: CliStreams): CommandContextFactory {
  return (command) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    return {
      client: createAdminApi({ baseUrl: options.adminUrl, token: options.token }),
      output: new CommandOutput(options.json === true, streams.writeOut),
    };
  };
}
