import { runCli } from './run-cli.ts';

// exitCode rather than process.exit(): stdout is flushed before the process ends.
process.exitCode = await runCli(process.argv.slice(2));
