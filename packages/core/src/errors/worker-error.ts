import { hasErrorMarker, setErrorMarker } from './error-marker.js';
import { TonekitError } from './tonekit-error.js';

const marker = Symbol.for('tonekit.error.WorkerError');

export interface WorkerErrorOptions {
  message: string;
  /** Qualified Python exception type, such as `torch.OutOfMemoryError`. */
  pythonType: string;
  /** The Python traceback as formatted by the worker. */
  traceback: string;
  cause?: unknown;
}

/** A request to a worker failed with a Python exception; the worker itself is still running. */
export class WorkerError extends TonekitError {
  readonly pythonType: string;
  readonly traceback: string;

  constructor({ message, pythonType, traceback, cause }: WorkerErrorOptions) {
    super({ message, cause });
    this.name = 'WorkerError';
    setErrorMarker(this, marker);
    this.pythonType = pythonType;
    this.traceback = traceback;
  }

  static override isInstance(value: unknown): value is WorkerError {
    return hasErrorMarker(value, marker);
  }
}
