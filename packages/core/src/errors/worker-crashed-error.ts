import { hasErrorMarker, setErrorMarker } from './error-marker.js';
import { TonekitError } from './tonekit-error.js';

const marker = Symbol.for('tonekit.error.WorkerCrashedError');

export interface WorkerCrashedErrorOptions {
  /** Exit code, or null when the process was killed by a signal. */
  exitCode: number | null;
  /** Signal name such as `SIGKILL`, or null when the process exited by itself. */
  signal: string | null;
  /** The last lines the worker wrote to stderr: usually the only clue to why it died. */
  stderrTail: string;
  /** Defaults to a sentence naming the exit code or signal, followed by the stderr tail. */
  message?: string;
  cause?: unknown;
}

/** A worker process (the Python trainer) exited without being asked to. */
export class WorkerCrashedError extends TonekitError {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;

  constructor({ exitCode, signal, stderrTail, message, cause }: WorkerCrashedErrorOptions) {
    super({ message: message ?? describeCrash(exitCode, signal, stderrTail), cause });
    this.name = 'WorkerCrashedError';
    setErrorMarker(this, marker);
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }

  static override isInstance(value: unknown): value is WorkerCrashedError {
    return hasErrorMarker(value, marker);
  }
}

function describeCrash(exitCode: number | null, signal: string | null, stderrTail: string): string {
  const how = signal != null ? `was killed by ${signal}` : `exited with code ${exitCode ?? 'unknown'}`;
  const tail = stderrTail.trim();
  return tail === '' ? `Worker ${how}.` : `Worker ${how}. Last stderr output:\n${tail}`;
}
