import { CancelledError, createConcurrencyLimiter } from '@tonekit/core';

/**
 * Runs `task` for every item, at most `concurrency` at once. The first failure cancels the rest (queued
 * tasks never start, running ones see their signal fire) and is rethrown once everything has settled;
 * when the caller's signal fires, the result is a CancelledError. The failure is noted inside the slot,
 * before the limiter starts the next task, so no call slips out after a failure.
 */
export async function runAllOrStop<T>(
  items: readonly T[],
  concurrency: number,
  abortSignal: AbortSignal | undefined,
  task: (item: T, index: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const signal = abortSignal === undefined ? stop.signal : AbortSignal.any([abortSignal, stop.signal]);
  const limiter = createConcurrencyLimiter(concurrency);
  let failure: { error: unknown } | undefined;
  await Promise.all(
    items.map((item, index) =>
      limiter
        .run(
          async () => {
            if (signal.aborted) throw CancelledError.fromSignal(signal);
            try {
              await task(item, index, signal);
            } catch (error) {
              if (failure === undefined && !(signal.aborted && CancelledError.isInstance(error))) {
                failure = { error };
                stop.abort();
              }
              throw error;
            }
          },
          { abortSignal: signal },
        )
        .catch(() => undefined),
    ),
  );
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
  if (failure !== undefined) throw failure.error;
}
