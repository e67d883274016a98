import { CancelledError, createConcurrencyLimiter, InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise with its resolver, to control exactly when a task finishes. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Seeded so a failure can be replayed. */
function mulberry32(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('createConcurrencyLimiter', () => {
  it('never runs more than the limit among 100 tasks with random delays, and runs them all', async () => {
    const limiter = createConcurrencyLimiter(4);
    const random = mulberry32(42);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          expect(limiter.active).toBeLessThanOrEqual(4);
          await delay(Math.floor(random() * 5));
          running--;
          return index;
        }),
      ),
    );
    expect(peak).toBe(4);
    expect(results).toEqual(Array.from({ length: 100 }, (_, index) => index));
    expect(limiter.active).toBe(0);
    expect(limiter.pending).toBe(0);
  });

  it('starts queued tasks in the order they were submitted', async () => {
    const limiter = createConcurrencyLimiter(1);
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, () => deferred());
    const runs = gates.map((gate, index) =>
      limiter.run(async () => {
        started.push(index);
        await gate.promise;
      }),
    );
    expect(limiter.active).toBe(1);
    expect(limiter.pending).toBe(4);
    // Release in reverse: the order of finishing must not change the order of starting.
    for (const gate of [...gates].reverse()) gate.resolve();
    await Promise.all(runs);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('removes an aborted queued task and rejects it, without running it', async () => {
    const limiter = createConcurrencyLimiter(1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const second = limiter.run(
      async () => {
        ran = true;
      },
      { abortSignal: controller.signal },
    );
    const third = limiter.run(async () => 'third');
    expect(limiter.pending).toBe(2);
    controller.abort(new Error('no longer needed'));
    const error = await second.catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(((error as CancelledError).cause as Error).message).toBe('no longer needed');
    expect(limiter.pending).toBe(1);
    gate.resolve();
    await first;
    await expect(third).resolves.toBe('third');
    expect(ran).toBe(false);
  });

  it('rejects at once when the signal has already fired', async () => {
    const limiter = createConcurrencyLimiter(2);
    const controller = new AbortController();
    controller.abort();
    let ran = false;
    const error = await limiter
      .run(
        async () => {
          ran = true;
        },
        { abortSignal: controller.signal },
      )
      .catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(ran).toBe(false);
  });

  it('does not interrupt a running task when its signal fires', async () => {
    const limiter = createConcurrencyLimiter(1);
    const controller = new AbortController();
    const gate = deferred<string>();
    const running = limiter.run(() => gate.promise, { abortSignal: controller.signal });
    controller.abort();
    gate.resolve('finished anyway');
    await expect(running).resolves.toBe('finished anyway');
  });

  it('starts waiting tasks as soon as the limit is raised', async () => {
    const limiter = createConcurrencyLimiter(1);
    const gates = Array.from({ length: 4 }, () => deferred());
    const runs = gates.map((gate) => limiter.run(() => gate.promise));
    expect([limiter.active, limiter.pending]).toEqual([1, 3]);
    limiter.setLimit(3);
    expect([limiter.active, limiter.pending, limiter.limit]).toEqual([3, 1, 3]);
    limiter.setLimit(1);
    // Lowering lets running tasks finish: nothing new starts until fewer than one is running.
    gates[0]!.resolve();
    await runs[0];
    expect([limiter.active, limiter.pending]).toEqual([2, 1]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await Promise.all([runs[1], runs[2]]);
    expect([limiter.active, limiter.pending]).toEqual([1, 0]);
    gates[3]!.resolve();
    await runs[3];
  });

  it('passes a task failure to its caller and keeps going', async () => {
    const limiter = createConcurrencyLimiter(1);
    const failing = limiter.run(async () => {
      throw new Error('task failed');
    });
    const synchronous = limiter.run(() => {
      throw new Error('thrown synchronously');
    });
    const next = limiter.run(() => 'value');
    await expect(failing).rejects.toThrow('task failed');
    await expect(synchronous).rejects.toThrow('thrown synchronously');
    await expect(next).resolves.toBe('value');
    expect(limiter.active).toBe(0);
  });

  it('resolves onIdle once everything has finished', async () => {
    const limiter = createConcurrencyLimiter(2);
    await limiter.onIdle();
    const finished: number[] = [];
    for (let index = 0; index < 5; index++) {
      void limiter.run(async () => {
        await delay(5);
        finished.push(index);
      });
    }
    await limiter.onIdle();
    expect(finished.sort()).toEqual([0, 1, 2, 3, 4]);
    expect([limiter.active, limiter.pending]).toEqual([0, 0]);
  });

  it('resolves onIdle when the last queued task is aborted', async () => {
    const limiter = createConcurrencyLimiter(1);
    const gate = deferred();
    const controller = new AbortController();
    const first = limiter.run(() => gate.promise);
    const second = limiter
      .run(async () => 'never', { abortSignal: controller.signal })
      .catch(() => 'aborted');
    let idle = false;
    const idlePromise = limiter.onIdle().then(() => {
      idle = true;
    });
    controller.abort();
    await expect(second).resolves.toBe('aborted');
    expect(idle).toBe(false);
    gate.resolve();
    await first;
    await idlePromise;
    expect(idle).toBe(true);
  });

  it('accepts Infinity and rejects invalid limits', () => {
    expect(createConcurrencyLimiter(Number.POSITIVE_INFINITY).limit).toBe(Number.POSITIVE_INFINITY);
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      expect(() => createConcurrencyLimiter(limit)).toThrow(InvalidArgumentError);
    }
    expect(() => createConcurrencyLimiter(1).setLimit(0)).toThrow('Invalid argument `limit`');
  });
});
