import { hasErrorMarker, setErrorMarker } from './error-marker.js';
import { TonekitError } from './tonekit-error.js';

const marker = Symbol.for('tonekit.error.InvalidArgumentError');

export interface InvalidArgumentErrorOptions {
  /** Name of the argument or option, as the caller wrote it (`maxBatchSize`, `options.limit`). */
  argument: string;
  /** The rejected value, kept so the caller can see exactly what was passed. */
  value?: unknown;
  /** What is wrong and what is expected. */
  message: string;
  cause?: unknown;
}

/** A function was called with a value it cannot accept. The message always names the argument. */
export class InvalidArgumentError extends TonekitError {
  readonly argument: string;
  readonly value: unknown;

  constructor({ argument, value, message, cause }: InvalidArgumentErrorOptions) {
    super({ message: `Invalid argument \`${argument}\`: ${message}`, cause });
    this.name = 'InvalidArgumentError';
    setErrorMarker(this, marker);
    this.argument = argument;
    this.value = value;
  }

  static override isInstance(value: unknown): value is InvalidArgumentError {
    return hasErrorMarker(value, marker);
  }
}
