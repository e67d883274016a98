import { hasErrorMarker, setErrorMarker } from './error-marker.js';
import { TonekitError } from './tonekit-error.js';

const marker = Symbol.for('tonekit.error.CancelledError');

export interface CancelledErrorOptions {
  message?: string;
  /** The abort signal's `reason`. */
  cause?: unknown;
}

/**
 * The operation stopped because its `AbortSignal` fired. Every tonekit function reports cancellation
 * with this one class, whatever the signal's reason was (a `TimeoutError`, a user's Ctrl-C), so callers
 * have a single check to tell "cancelled" from "failed"; the reason is kept as `cause`.
 */
export class CancelledError extends TonekitError {
  constructor({ message = 'The operation was cancelled.', cause }: CancelledErrorOptions = {}) {
    super({ message, cause });
    this.name = 'CancelledError';
    setErrorMarker(this, marker);
  }

  static override isInstance(value: unknown): value is CancelledError {
    return hasErrorMarker(value, marker);
  }

  /** The error to reject with once `signal` has fired: its reason itself when that is already a CancelledError. */
  static fromSignal(signal: AbortSignal): CancelledError {
    const reason: unknown = signal.reason;
    return CancelledError.isInstance(reason) ? reason : new CancelledError({ cause: reason });
  }
}
