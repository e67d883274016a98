import { CancelledError } from './errors/cancelled-error.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';

/** Options of `ConcurrencyLimiter.run`. */
export interface ConcurrencyLimiterRunOptions {
  /**
   * Cancels the task while it waits for a slot: it is removed from the queue and its promise rejects
   * with `CancelledError`. A task already running is not interrupted by the limiter; pass the same
   * signal to the task's own I/O.
   */
  abortSignal?: AbortSignal;
}

/** Runs async tasks with at most `limit` of them in flight, starting queued ones first come, first served. */
export interface ConcurrencyLimiter {
  run<T>(task: () => Promise<T> | T, options?: ConcurrencyLimiterRunOptions): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly pending: number;
  readonly limit: number;
  /** Resolves once nothing is running or waiting (at once if that is already so). */
  onIdle(): Promise<void>;
  /** Changes the limit; raising it starts waiting tasks at once, lowering it lets running tasks finish. */
  setLimit(limit: number): void;
}

interface QueuedTask {
  start(): void;
}

/**
 * Creates a FIFO concurrency limiter. `limit` is a positive integer or `Infinity`.
 * Written here rather than taken from p-limit so that core keeps zero runtime dependencies.
 */
export function createConcurrencyLimiter(limit: number): ConcurrencyLimiter {
  checkLimit(limit);
  let currentLimit = limit;
  let active = 0;
  // A Set is a FIFO queue (insertion order) that also deletes an aborted entry in O(1).
  const queue = new Set<QueuedTask>();
  let idleWaiters: Array<() => void> = [];

  const drain = (): void => {
    while (active < currentLimit && queue.size > 0) {
      const next = queue.values().next().value!;
      queue.delete(next);
      next.start();
    }
    if (active === 0 && queue.size === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  return {
    run<T>(task: () => Promise<T> | T, { abortSignal }: ConcurrencyLimiterRunOptions = {}): Promise<T> {
      if (abortSignal?.aborted) return Promise.reject(CancelledError.fromSignal(abortSignal));
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          if (queue.delete(entry)) {
            reject(CancelledError.fromSignal(abortSignal!));
            drain();
          }
        };
        const entry: QueuedTask = {
          start: () => {
            abortSignal?.removeEventListener('abort', onAbort);
            active++;
            const execute = async (): Promise<T> => {
              try {
                return await task();
              } finally {
                active--;
                drain();
              }
            };
            execute().then(resolve, reject);
          },
        };
        abortSignal?.addEventListener('abort', onAbort, { once: true });
        queue.add(entry);
        drain();
      });
    },
    get active() {
      return active;
    },
    get pending() {
      return queue.size;
    },
    get limit() {
      return currentLimit;
    },
    onIdle() {
      if (active === 0 && queue.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    setLimit(limit: number) {
      checkLimit(limit);
      currentLimit = limit;
      drain();
    },
  };
}

function checkLimit(limit: number): void {
  if (!(limit === Number.POSITIVE_INFINITY || (Number.isInteger(limit) && limit >= 1))) {
    throw new InvalidArgumentError({
      argument: 'limit',
      value: limit,
      message: `expected a positive integer or Infinity, got ${limit}.`,
    });
  }
}
