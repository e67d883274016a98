import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import type { OnEvent } from './progress-event.js';

export interface ThrottleProgressOptions<E extends { type: string }> {
  /** Which events may be coalesced. Defaults to events whose `type` is `'progress'`. */
  isThrottled?: (event: E) => boolean;
}

/** A throttled listener, with a way to deliver or drop the event it is holding back. */
export interface ThrottledListener<E extends { type: string }> {
  (event: E): void;
  /** Delivers the held-back event now, if any. Call it when the work ends. */
  flush(): void;
  /** Drops the held-back event and stops the timer. */
  cancel(): void;
}

/**
 * Wraps `listener` so that frequent events reach it at most once per `intervalMs`, for rendering a
 * progress bar without redrawing on every one of thousands of updates.
 *
 * A throttled event is delivered at once when the previous delivery is at least `intervalMs` old;
 * otherwise it is held and replaced by newer ones, and the latest is delivered when the interval ends.
 * Other events pass through immediately, after any held event, so a listener never sees a stale
 * progress update after the event that ended the work.
 */
export function throttleProgress<E extends { type: string }>(
  listener: OnEvent<E>,
  intervalMs: number,
  { isThrottled = (event) => event.type === 'progress' }: ThrottleProgressOptions<E> = {},
): ThrottledListener<E> {
  if (!(intervalMs >= 0 && Number.isFinite(intervalMs))) {
    throw new InvalidArgumentError({
      argument: 'intervalMs',
      value: intervalMs,
      message: `expected a non-negative finite number, got ${intervalMs}.`,
    });
  }
  let lastDeliveredAt = Number.NEGATIVE_INFINITY;
  let held: { event: E } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const deliver = (event: E): void => {
    lastDeliveredAt = Date.now();
    listener(event);
  };
  const cancel = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    held = undefined;
  };
  const flush = (): void => {
    const pending = held;
    cancel();
    if (pending) deliver(pending.event);
  };

  const throttled = (event: E): void => {
    if (!isThrottled(event)) {
      flush();
      listener(event);
      return;
    }
    const elapsed = Date.now() - lastDeliveredAt;
    if (timer === undefined && elapsed >= intervalMs) {
      deliver(event);
      return;
    }
    held = { event };
    if (timer === undefined) {
      // Clamped because the wall clock can step backwards.
      timer = setTimeout(flush, Math.min(intervalMs, Math.max(0, intervalMs - elapsed)));
      // A held progress update is not worth keeping the process alive for; `flush` delivers it on exit.
      (timer as { unref?: () => void }).unref?.();
    }
  };
  return Object.assign(throttled, { flush, cancel });
}
