import { CancelledError } from './errors/cancelled-error.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';

// setTimeout silently turns longer delays into 1 ms, which would make a long wait a busy loop.
const maxTimeoutMs = 2 ** 31 - 1;

/**
 * Waits `ms` milliseconds. Rejects with `CancelledError` (its `cause` is the signal's reason) as soon as
 * `abortSignal` fires, and clears the timer so an aborted wait does not keep the process alive.
 */
export function sleep(ms: number, abortSignal?: AbortSignal): Promise<void> {
  if (!(ms >= 0 && ms <= maxTimeoutMs)) {
    return Promise.reject(
      new InvalidArgumentError({
        argument: 'ms',
        value: ms,
        message: `expected a number of milliseconds from 0 to ${maxTimeoutMs}, got ${ms}.`,
      }),
    );
  }
  if (abortSignal?.aborted) return Promise.reject(CancelledError.fromSignal(abortSignal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(CancelledError.fromSignal(abortSignal!));
    };
    const timer = setTimeout(() => {
      abortSignal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    abortSignal?.addEventListener('abort', onAbort, { once: true });
  });
}
