import { CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './cli-error.js';
import { type CliIo, resolveCliIo } from './cli-io.js';
import { createProgram, USAGE_HINT } from './create-program.js';

/**
 * Runs the CLI and resolves to the exit code instead of exiting, so tests can call it in-process.
 * `argv` is shaped like `process.argv`: the node executable, the script, then the arguments.
 */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const resolved = resolveCliIo(io);
  const program = createProgram(resolved);
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return 0;
  } catch (error) {
    return reportError(error, resolved);
  }
}

function reportError(error: unknown, io: ReturnType<typeof resolveCliIo>): number {
  // Commander has already printed its message (and the usage hint); only the exit code is left to decide.
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    // `tonekit` alone prints the help to stderr; commander's exit code for that (1) is kept.
    if (error.code === 'commander.help') return error.exitCode;
    return EXIT_USAGE;
  }
  const debug = io.env['TONEKIT_DEBUG'] === '1';
  const message = error instanceof Error ? error.message : String(error);
  let text = `error: ${message}\n`;
  if (error instanceof CliError && error.exitCode === EXIT_USAGE) text += `${USAGE_HINT}\n`;
  if (debug) {
    text += `${formatStack(error)}\n`;
  } else if (!(error instanceof CliError)) {
    // Not an error we anticipated: say how to get the details a bug report needs.
    text += 'Set TONEKIT_DEBUG=1 to print the stack trace.\n';
  }
  io.stderr.write(text);
  return error instanceof CliError ? error.exitCode : EXIT_FAILURE;
}

function formatStack(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth += 1) {
    parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}
