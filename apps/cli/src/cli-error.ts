import { TonekitError } from '@tonekit/core';

/** Exit codes the CLI documents in its README; scripts may rely on them. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliErrorOptions {
  /** 1 for a failure while running, 2 for a bad command line. */
  exitCode?: number;
  cause?: unknown;
}

/**
 * An error whose message is written for the person at the terminal: `runCli` prints it as
 * `error: <message>` without a stack trace, so the message must name the flag or file at fault.
 * It extends core's TonekitError so every tonekit error shares one base class and `cause` handling.
 */
export class CliError extends TonekitError {
  readonly exitCode: number;

  constructor(message: string, options: CliErrorOptions = {}) {
    super({ message, cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }

  static usage(message: string, cause?: unknown): CliError {
    return new CliError(message, { exitCode: EXIT_USAGE, cause });
  }
}
