import { ApiCallError } from './errors/api-call-error.js';
import { CancelledError } from './errors/cancelled-error.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { RetryError } from './errors/retry-error.js';
import { sleep as defaultSleep } from './sleep.js';

/** What `onRetry` is told before each wait. */
export interface RetryInfo {
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  error: unknown;
  /** How long we wait before the next attempt. */
  delayMs: number;
}

export interface RetryWithBackoffOptions {
  /** Attempts after the first one. Defaults to 2, so at most 3 calls. */
  maxRetries?: number;
  /** Delay before the first retry, before jitter. Defaults to 1000. */
  initialDelayMs?: number;
  /** Ceiling of the computed exponential delay. Defaults to 60000. */
  maxDelayMs?: number;
  /** Multiplier from one retry's delay to the next. Defaults to 2. */
  backoffFactor?: number;
  /**
   * Randomize delays with "equal jitter": a delay d becomes d/2 + random·d/2. Defaults to true. Equal
   * rather than full jitter (random·d) because the usual failure here is a rate limit, and full jitter
   * can retry almost at once, spending the few retries we have before the limit resets.
   */
  jitter?: boolean;
  /**
   * Upper bound of a server-requested wait (`retryAfterMs`). Defaults to 10 minutes. A server's
   * `Retry-After` may exceed `maxDelayMs` (the server knows best), but not this.
   */
  maxRetryAfterMs?: number;
  abortSignal?: AbortSignal;
  /** Whether an error is worth another attempt. Defaults to `ApiCallError` with `isRetryable`. */
  isRetryable?: (error: unknown) => boolean;
  /** Called before each wait, for logging and progress events. */
  onRetry?: (info: RetryInfo) => void;
  /** Source of randomness in [0, 1), for deterministic tests. Defaults to `Math.random`. */
  random?: () => number;
  /** Waits, rejecting when the signal fires, for tests with fake time. Defaults to `sleep`. */
  sleep?: (ms: number, abortSignal?: AbortSignal) => Promise<void>;
}

const defaultMaxRetryAfterMs = 10 * 60 * 1000;

function defaultIsRetryable(error: unknown): boolean {
  return ApiCallError.isInstance(error) && error.isRetryable;
}

/**
 * Calls `fn` until it succeeds, waiting longer after each retryable failure.
 *
 * - Delay before retry k (1-based): `min(maxDelayMs, initialDelayMs · backoffFactor^(k-1))`, jittered.
 *   When the error carries `retryAfterMs` (see `ApiCallError`), the wait is the larger of that and the
 *   computed delay, capped by `maxRetryAfterMs`.
 * - A failure is wrapped in `RetryError` only when at least one retry happened: a first-attempt
 *   non-retryable error, or any error with `maxRetries: 0`, is rethrown as it is, so a caller without
 *   retries sees the same errors as one calling `fn` directly.
 * - Cancellation always rejects with `CancelledError` (never `RetryError`), whether the signal fires
 *   before an attempt, during one, or while waiting; the wait is interrupted at once.
 *
 * @param fn receives the attempt number (starting at 1) and the abort signal to pass on to its I/O.
 */
export async function retryWithBackoff<T>(
  fn: (attempt: number, abortSignal?: AbortSignal) => Promise<T>,
  options: RetryWithBackoffOptions = {},
): Promise<T> {
  const {
    maxRetries = 2,
    initialDelayMs = 1000,
    maxDelayMs = 60_000,
    backoffFactor = 2,
    jitter = true,
    maxRetryAfterMs = defaultMaxRetryAfterMs,
    abortSignal,
    isRetryable = defaultIsRetryable,
    onRetry,
    random = Math.random,
    sleep = defaultSleep,
  } = options;
  checkNonNegative('maxRetries', maxRetries, true);
  checkNonNegative('initialDelayMs', initialDelayMs);
  checkNonNegative('maxDelayMs', maxDelayMs);
  checkNonNegative('backoffFactor', backoffFactor);
  checkNonNegative('maxRetryAfterMs', maxRetryAfterMs);

  const errors: unknown[] = [];
  for (let attempt = 1; ; attempt++) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    try {
      return await fn(attempt, abortSignal);
    } catch (error) {
      // An attempt that fails because we were cancelled is not a failure worth reporting or retrying.
      if (CancelledError.isInstance(error)) throw error;
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      errors.push(error);
      if (maxRetries === 0) throw error;
      if (!isRetryable(error)) {
        if (attempt === 1) throw error;
        throw new RetryError({
          message: `Failed after ${attempt} attempts with a non-retryable error: ${describe(error)}`,
          reason: 'non-retryable',
          errors,
        });
      }
      if (attempt > maxRetries) {
        throw new RetryError({
          message: `Failed after ${attempt} attempts. Last error: ${describe(error)}`,
          reason: 'max-retries-exceeded',
          errors,
        });
      }
      const computed = Math.min(maxDelayMs, initialDelayMs * backoffFactor ** (attempt - 1));
      const jittered = jitter ? computed / 2 + (random() * computed) / 2 : computed;
      const retryAfterMs = readRetryAfterMs(error);
      const delayMs = Math.round(
        retryAfterMs === undefined ? jittered : Math.min(maxRetryAfterMs, Math.max(retryAfterMs, jittered)),
      );
      onRetry?.({ attempt, error, delayMs });
      try {
        await sleep(delayMs, abortSignal);
      } catch (sleepError) {
        // An injected sleep may reject with its own abort error; callers get one kind either way.
        if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
        throw sleepError;
      }
    }
  }
}

function readRetryAfterMs(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkNonNegative(argument: string, value: number, integer = false): void {
  if (!(value >= 0 && Number.isFinite(value)) || (integer && !Number.isInteger(value))) {
    throw new InvalidArgumentError({
      argument,
      value,
      message: `expected a non-negative finite ${integer ? 'integer' : 'number'}, got ${value}.`,
    });
  }
}
