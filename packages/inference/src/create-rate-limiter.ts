import { sleep as defaultSleep, InvalidArgumentError } from '@tonekit/core';

export interface RateLimiterSettings {
  /** Requests allowed per minute, as a token bucket that starts full (bursts up to this many). */
  requestsPerMinute?: number;
  /** Model tokens (input + output) allowed per minute, same scheme. */
  tokensPerMinute?: number;
  /** Milliseconds clock; injectable for tests. Defaults to `Date.now`. */
  now?: () => number;
  /** Waits, rejecting when the signal fires; injectable for tests. Defaults to core's `sleep`. */
  sleep?: (ms: number, abortSignal?: AbortSignal) => Promise<void>;
}

export interface RateLimiterAcquireOptions {
  /** Tokens this request is expected to use; reconcile with `adjustTokens` once the usage is known. */
  tokens?: number;
  abortSignal?: AbortSignal;
}

export interface RateLimiter {
  /** Waits until one request and `tokens` tokens are available, then takes them. */
  acquire(options?: RateLimiterAcquireOptions): Promise<void>;
  /**
   * Corrects the token bucket once a request's real usage is known: `delta` = actual − estimated.
   * A positive delta may push the bucket below zero, so later requests wait for the overspend.
   */
  adjustTokens(delta: number): void;
}

interface Bucket {
  capacity: number;
  perMs: number;
  level: number;
}

/**
 * Client-side rate limits as two token buckets that refill continuously (`perMinute / 60000` per ms).
 * Server-side limits still apply; these only keep a batch job from running into them. A request asking
 * for more tokens than the bucket holds is charged the whole bucket, so it waits for a full bucket
 * instead of forever.
 */
export function createRateLimiter(settings: RateLimiterSettings = {}): RateLimiter {
  const { now = Date.now, sleep = defaultSleep } = settings;
  const makeBucket = (name: string, perMinute: number | undefined): Bucket | undefined => {
    if (perMinute === undefined) return undefined;
    if (!(perMinute > 0 && Number.isFinite(perMinute))) {
      throw new InvalidArgumentError({
        argument: name,
        value: perMinute,
        message: `expected a positive finite number, got ${perMinute}.`,
      });
    }
    return { capacity: perMinute, perMs: perMinute / 60_000, level: perMinute };
  };
  const requests = makeBucket('requestsPerMinute', settings.requestsPerMinute);
  const tokens = makeBucket('tokensPerMinute', settings.tokensPerMinute);
  let last = now();
  const refill = () => {
    const current = now();
    const elapsed = Math.max(0, current - last);
    last = current;
    for (const bucket of [requests, tokens]) {
      if (bucket !== undefined)
        bucket.level = Math.min(bucket.capacity, bucket.level + elapsed * bucket.perMs);
    }
  };
  return {
    async acquire({ tokens: wanted = 0, abortSignal } = {}) {
      for (;;) {
        refill();
        const tokenCost = tokens === undefined ? 0 : Math.min(Math.max(0, wanted), tokens.capacity);
        const requestWait = requests === undefined ? 0 : Math.max(0, (1 - requests.level) / requests.perMs);
        const tokenWait = tokens === undefined ? 0 : Math.max(0, (tokenCost - tokens.level) / tokens.perMs);
        const waitMs = Math.max(requestWait, tokenWait);
        if (waitMs <= 0) {
          if (requests !== undefined) requests.level -= 1;
          if (tokens !== undefined) tokens.level -= tokenCost;
          return;
        }
        await sleep(Math.ceil(waitMs), abortSignal);
      }
    },
    adjustTokens(delta) {
      if (tokens === undefined || !Number.isFinite(delta)) return;
      refill();
      tokens.level = Math.min(tokens.capacity, tokens.level - delta);
    },
  };
}
