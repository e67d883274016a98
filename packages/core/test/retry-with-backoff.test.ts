import { ApiCallError, CancelledError, RetryError, type RetryInfo, retryWithBackoff } from '@tonekit/core';
import { describe, expect, it } from 'vitest';

const retryable = (message = 'server error', extra: { retryAfterMs?: number } = {}) =>
  new ApiCallError({ message, url: 'https://api.example.test', status: 503, ...extra });
const nonRetryable = (message = 'bad request') =>
  new ApiCallError({ message, url: 'https://api.example.test', status: 400 });

/** A sleep that records the delays it was asked for and returns at once. */
function recordingSleep() {
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  return { delays, sleep };
}

/** A function failing with the given errors in order, then returning `value`. */
function failing<T>(errors: unknown[], value: T) {
  const attempts: number[] = [];
  const fn = async (attempt: number) => {
    attempts.push(attempt);
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return value;
  };
  return { attempts, fn };
}

describe('retryWithBackoff', () => {
  it('returns the first success without waiting', async () => {
    const { delays, sleep } = recordingSleep();
    const { attempts, fn } = failing([], 'ok');
    await expect(retryWithBackoff(fn, { sleep })).resolves.toBe('ok');
    expect(attempts).toEqual([1]);
    expect(delays).toEqual([]);
  });

  it('retries retryable errors and returns the eventual success', async () => {
    const { delays, sleep } = recordingSleep();
    const { attempts, fn } = failing([retryable(), retryable()], 'ok');
    const infos: RetryInfo[] = [];
    const result = await retryWithBackoff(fn, { sleep, jitter: false, onRetry: (info) => infos.push(info) });
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(delays).toEqual([1000, 2000]);
    expect(infos.map(({ attempt, delayMs }) => ({ attempt, delayMs }))).toEqual([
      { attempt: 1, delayMs: 1000 },
      { attempt: 2, delayMs: 2000 },
    ]);
    expect(ApiCallError.isInstance(infos[0]?.error)).toBe(true);
  });

  it('grows delays exponentially and caps them at maxDelayMs', async () => {
    const { delays, sleep } = recordingSleep();
    const errors = Array.from({ length: 6 }, () => retryable());
    const { fn } = failing(errors, 'ok');
    await retryWithBackoff(fn, {
      sleep,
      jitter: false,
      maxRetries: 6,
      initialDelayMs: 100,
      backoffFactor: 3,
      maxDelayMs: 5000,
    });
    expect(delays).toEqual([100, 300, 900, 2700, 5000, 5000]);
  });

  it('applies equal jitter: half the delay plus a random share of the other half', async () => {
    const { delays, sleep } = recordingSleep();
    const { fn } = failing([retryable(), retryable(), retryable()], 'ok');
    const draws = [0, 0.5, 0.999];
    await retryWithBackoff(fn, { sleep, maxRetries: 3, random: () => draws.shift()! });
    expect(delays).toEqual([500, 1500, 4000 - 2]);
  });

  it('waits at least as long as the server asked', async () => {
    const { delays, sleep } = recordingSleep();
    const { fn } = failing(
      [retryable('slow down', { retryAfterMs: 7000 }), retryable('x', { retryAfterMs: 10 })],
      1,
    );
    await retryWithBackoff(fn, { sleep, jitter: false });
    // 7000 beats the computed 1000; the computed 2000 beats the server's 10.
    expect(delays).toEqual([7000, 2000]);
  });

  it('honors a Retry-After beyond maxDelayMs, up to maxRetryAfterMs', async () => {
    const { delays, sleep } = recordingSleep();
    const { fn } = failing(
      [retryable('a', { retryAfterMs: 90_000 }), retryable('b', { retryAfterMs: 3_600_000 })],
      1,
    );
    await retryWithBackoff(fn, { sleep, jitter: false, maxDelayMs: 60_000 });
    expect(delays).toEqual([90_000, 600_000]);
  });

  it('reads retryAfterMs from any error object, not only ApiCallError', async () => {
    const { delays, sleep } = recordingSleep();
    const error = Object.assign(new Error('custom'), { retryAfterMs: 4321 });
    const { fn } = failing([error], 1);
    await retryWithBackoff(fn, { sleep, jitter: false, isRetryable: () => true });
    expect(delays).toEqual([4321]);
  });

  it('throws RetryError with every error once retries are exhausted', async () => {
    const { delays, sleep } = recordingSleep();
    const errors = [retryable('e1'), retryable('e2'), retryable('e3'), retryable('never reached')];
    const { attempts, fn } = failing(errors, 'ok');
    const error = await retryWithBackoff(fn, { sleep, jitter: false }).catch((caught: unknown) => caught);
    expect(RetryError.isInstance(error)).toBe(true);
    const retryError = error as RetryError;
    expect(retryError.reason).toBe('max-retries-exceeded');
    expect(retryError.attempts).toBe(3);
    expect(retryError.errors).toEqual(errors.slice(0, 3));
    expect(retryError.lastError).toBe(errors[2]);
    expect(retryError.cause).toBe(errors[2]);
    expect(retryError.message).toBe('Failed after 3 attempts. Last error: e3');
    expect(attempts).toEqual([1, 2, 3]);
    expect(delays).toEqual([1000, 2000]);
  });

  it('rethrows a first-attempt non-retryable error unwrapped', async () => {
    const { delays, sleep } = recordingSleep();
    const error = nonRetryable();
    const { attempts, fn } = failing([error], 'ok');
    await expect(retryWithBackoff(fn, { sleep })).rejects.toBe(error);
    expect(attempts).toEqual([1]);
    expect(delays).toEqual([]);
  });

  it('does not retry plain errors by default', async () => {
    const error = new TypeError('bug');
    const { attempts, fn } = failing([error], 'ok');
    await expect(retryWithBackoff(fn, recordingSleep())).rejects.toBe(error);
    expect(attempts).toEqual([1]);
  });

  it('wraps a non-retryable error in RetryError once it has retried', async () => {
    const errors = [retryable('first'), nonRetryable('second')];
    const { attempts, fn } = failing(errors, 'ok');
    const error = (await retryWithBackoff(fn, { ...recordingSleep(), maxRetries: 5 }).catch(
      (caught: unknown) => caught,
    )) as RetryError;
    expect(RetryError.isInstance(error)).toBe(true);
    expect(error.reason).toBe('non-retryable');
    expect(error.errors).toEqual(errors);
    expect(attempts).toEqual([1, 2]);
  });

  it('rethrows unwrapped when retries are disabled', async () => {
    const error = retryable();
    const { attempts, fn } = failing([error], 'ok');
    await expect(retryWithBackoff(fn, { ...recordingSleep(), maxRetries: 0 })).rejects.toBe(error);
    expect(attempts).toEqual([1]);
  });

  it('uses a custom isRetryable', async () => {
    const { fn, attempts } = failing([new Error('flaky'), new Error('flaky')], 'ok');
    const result = await retryWithBackoff(fn, {
      ...recordingSleep(),
      isRetryable: (error) => error instanceof Error && error.message === 'flaky',
    });
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('rejects promptly with CancelledError when aborted while waiting', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const { attempts, fn } = failing([retryable(), retryable()], 'ok');
    const started = performance.now();
    setTimeout(() => controller.abort(reason), 20);
    const error = await retryWithBackoff(fn, {
      initialDelayMs: 30_000,
      jitter: false,
      abortSignal: controller.signal,
    }).catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect((error as CancelledError).cause).toBe(reason);
    expect(attempts).toEqual([1]);
  });

  it('does not call fn when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const { attempts, fn } = failing([], 'ok');
    const error = await retryWithBackoff(fn, { abortSignal: controller.signal }).catch(
      (caught: unknown) => caught,
    );
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(attempts).toEqual([]);
  });

  it('reports an attempt that fails because of the abort as a cancellation, and passes the signal on', async () => {
    const controller = new AbortController();
    const seen: Array<AbortSignal | undefined> = [];
    const error = await retryWithBackoff(
      async (_attempt, signal) => {
        seen.push(signal);
        controller.abort(new Error('stop'));
        throw new DOMException('This operation was aborted', 'AbortError');
      },
      { abortSignal: controller.signal, ...recordingSleep() },
    ).catch((caught: unknown) => caught);
    expect(seen).toEqual([controller.signal]);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(((error as CancelledError).cause as Error).message).toBe('stop');
  });

  it('rejects invalid options', async () => {
    await expect(retryWithBackoff(async () => 1, { maxRetries: -1 })).rejects.toThrow(
      'Invalid argument `maxRetries`',
    );
    await expect(retryWithBackoff(async () => 1, { maxRetries: 1.5 })).rejects.toThrow(
      'Invalid argument `maxRetries`',
    );
    await expect(retryWithBackoff(async () => 1, { initialDelayMs: Number.NaN })).rejects.toThrow(
      'Invalid argument `initialDelayMs`',
    );
  });
});
