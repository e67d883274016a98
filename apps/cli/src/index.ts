export { CliError, type CliErrorOptions, EXIT_FAILURE, EXIT_USAGE } from './cli-error.js';
export type { CliIo, ResolvedCliIo, TextSink } from './cli-io.js';
export { createProgram } from './create-program.js';
export { runCli } from './run-cli.js';
