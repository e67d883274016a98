import { CancelledError, InvalidArgumentError, sleep } from '@tonekit/core';
import { describe, expect, it } from 'vitest';

describe('sleep', () => {
  it('waits about the given time', async () => {
    const started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('rejects at once when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort('stop');
    const error = await sleep(10_000, controller.signal).catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect((error as CancelledError).cause).toBe('stop');
  });

  it('rejects promptly when the signal fires during the wait', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('late')), 20);
    const error = await sleep(10_000, controller.signal).catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(((error as CancelledError).cause as Error).message).toBe('late');
  });

  it.each([-1, Number.NaN, 2 ** 31])('rejects %s milliseconds', async (ms) => {
    const error = await sleep(ms).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
  });
});
