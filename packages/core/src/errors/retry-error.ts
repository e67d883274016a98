import { hasErrorMarker, setErrorMarker } from './error-marker.js';
import { TonekitError } from './tonekit-error.js';

const marker = Symbol.for('tonekit.error.RetryError');

/**
 * Why retrying stopped: every allowed attempt failed, or an attempt after the first failed with an error
 * that is not worth retrying.
 */
export type RetryErrorReason = 'max-retries-exceeded' | 'non-retryable';

export interface RetryErrorOptions {
  message: string;
  reason: RetryErrorReason;
  /** The error of every attempt, oldest first; must not be empty. */
  errors: unknown[];
}

/** An operation failed after being retried at least once. `cause` is the last attempt's error. */
export class RetryError extends TonekitError {
  readonly reason: RetryErrorReason;
  /** Number of attempts made, the first one included. */
  readonly attempts: number;
  readonly errors: readonly unknown[];
  readonly lastError: unknown;

  constructor({ message, reason, errors }: RetryErrorOptions) {
    const lastError = errors[errors.length - 1];
    super({ message, cause: lastError });
    this.name = 'RetryError';
    setErrorMarker(this, marker);
    this.reason = reason;
    this.attempts = errors.length;
    this.errors = [...errors];
    this.lastError = lastError;
  }

  static override isInstance(value: unknown): value is RetryError {
    return hasErrorMarker(value, marker);
  }
}
