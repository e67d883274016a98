import { hasErrorMarker, setErrorMarker } from './error-marker.js';
import { TonekitError } from './tonekit-error.js';

const marker = Symbol.for('tonekit.error.WorkerError');

export interface WorkerErrorOptions {
  message: string;
  /** Qualified Python exception type, such as `torch.OutOfMemoryError`. */
  pythonType: string;
  /** The Python traceback as formatted by the worker. */
  traceback: string;
  /** The worker protocol's error code (`missing_dependency`, `cuda_oom`, `invalid_params`, ...). Defaults to `internal`. */
  code?: string;
  cause?: unknown;
}

/** A request to a worker failed with a Python exception; the worker itself is still running. */
export class WorkerError extends TonekitError {
  readonly pythonType: string;
  readonly traceback: string;
  readonly code: string;

  constructor({ message, pythonType, traceback, code = 'internal', cause }: WorkerErrorOptions) {
    super({ message, cause });
    this.name = 'WorkerError';
    setErrorMarker(this, marker);
    this.pythonType = pythonType;
    this.traceback = traceback;
    this.code = code;
  }

  static override isInstance(value: unknown): value is WorkerError {
    return hasErrorMarker(value, marker);
  }
}
