import { hasErrorMarker, setErrorMarker } from './error-marker.js';

const marker = Symbol.for('tonekit.error');

/** Options shared by every tonekit error. */
export interface TonekitErrorOptions {
  message: string;
  /** The underlying error, when there is one. */
  cause?: unknown;
}

/**
 * Base class of every error tonekit throws. Use `TonekitError.isInstance(error)` (or the subclass's
 * own `isInstance`) rather than `instanceof`, which fails when two copies of core are installed.
 */
export class TonekitError extends Error {
  /** Always present, `undefined` when there is no underlying error, so logs show the key either way. */
  override readonly cause: unknown;

  constructor({ message, cause }: TonekitErrorOptions) {
    super(message, { cause });
    this.name = 'TonekitError';
    setErrorMarker(this, marker);
    this.cause = cause;
  }

  static isInstance(value: unknown): value is TonekitError {
    return hasErrorMarker(value, marker);
  }
}
