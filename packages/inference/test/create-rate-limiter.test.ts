import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';

function fakeClock() {
  const clock = {
    now: 0,
    waits: [] as number[],
    settings: {
      now: () => clock.now,
      sleep: async (ms: number, abortSignal?: AbortSignal) => {
        if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
        clock.waits.push(ms);
        clock.now += ms;
      },
    },
  };
  return clock;
}

describe('createRateLimiter', () => {
  it('lets a burst of requestsPerMinute through, then spaces requests evenly', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 3, ...clock.settings });
    for (let i = 0; i < 3; i++) await limiter.acquire();
    expect(clock.waits).toEqual([]);
    await limiter.acquire();
    expect(clock.waits).toEqual([20_000]);
    clock.now += 40_000;
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.waits).toEqual([20_000]);
    await limiter.acquire();
    expect(clock.waits).toEqual([20_000, 20_000]);
  });

  it('limits tokens per minute and reconciles with actual usage', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ tokensPerMinute: 600, ...clock.settings });
    await limiter.acquire({ tokens: 500 });
    expect(clock.waits).toEqual([]);
    // 100 left; 300 more need 200 tokens at 10 per second.
    await limiter.acquire({ tokens: 300 });
    expect(clock.waits).toEqual([20_000]);
    // The second request really used 400: the bucket goes 100 below zero.
    limiter.adjustTokens(100);
    await limiter.acquire({ tokens: 100 });
    expect(clock.waits).toEqual([20_000, 20_000]);
  });

  it('charges an oversized request the whole bucket instead of waiting forever', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ tokensPerMinute: 100, ...clock.settings });
    await limiter.acquire({ tokens: 1_000 });
    await limiter.acquire({ tokens: 1_000 });
    expect(clock.waits).toEqual([60_000]);
  });

  it('waits for the slower of the two buckets', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 60, tokensPerMinute: 60, ...clock.settings });
    await limiter.acquire({ tokens: 60 });
    await limiter.acquire({ tokens: 30 });
    expect(clock.waits).toEqual([30_000]);
  });

  it('does nothing without limits, and rejects bad limits', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(clock.settings);
    for (let i = 0; i < 100; i++) await limiter.acquire({ tokens: 1e9 });
    expect(clock.waits).toEqual([]);
    expect(() => createRateLimiter({ requestsPerMinute: 0 })).toThrow(InvalidArgumentError);
    expect(() => createRateLimiter({ tokensPerMinute: Number.NaN })).toThrow(/tokensPerMinute/);
  });

  it('stops waiting when the signal fires (real sleep)', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 1 });
    await limiter.acquire();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await expect(limiter.acquire({ abortSignal: controller.signal })).rejects.toSatisfy((error: unknown) =>
      CancelledError.isInstance(error),
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
