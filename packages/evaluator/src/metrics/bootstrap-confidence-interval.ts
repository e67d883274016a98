import { InvalidArgumentError } from '@tonekit/core';
import { createSeededRandom } from '@tonekit/dataset';
import type { ConfidenceInterval } from '../evaluation-metrics.js';

export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;
export const DEFAULT_BOOTSTRAP_LEVEL = 0.95;
export const DEFAULT_BOOTSTRAP_SEED = 0;

export interface BootstrapOptions {
  /** Resamples drawn. Default 1,000. */
  resamples?: number;
  /** Coverage of the interval, in (0, 1). Default 0.95. */
  level?: number;
  /** Seed of the resampling (xoshiro128** via @tonekit/dataset). Default 0. */
  seed?: number;
}

/**
 * A seeded percentile bootstrap interval (Efron): draw `resamples` samples of `size` items with
 * replacement, compute `statistic` on each (it receives the drawn item indices), and take the
 * (1 − level)/2 and (1 + level)/2 quantiles of the results with linear interpolation between order
 * statistics (numpy's default `percentile`, Hyndman–Fan type 7). The same seed, size and statistic
 * give the same interval on every platform.
 */
export function bootstrapConfidenceInterval(
  size: number,
  statistic: (rows: Int32Array) => number,
  {
    resamples = DEFAULT_BOOTSTRAP_RESAMPLES,
    level = DEFAULT_BOOTSTRAP_LEVEL,
    seed = DEFAULT_BOOTSTRAP_SEED,
  }: BootstrapOptions = {},
): ConfidenceInterval {
  if (!Number.isInteger(size) || size < 1 || size > 2 ** 32) {
    throw new InvalidArgumentError({
      argument: 'size',
      value: size,
      message: 'expected at least one item to resample (an integer in [1, 2^32]).',
    });
  }
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new InvalidArgumentError({
      argument: 'options.resamples',
      value: resamples,
      message: 'expected an integer >= 1.',
    });
  }
  if (!(level > 0 && level < 1)) {
    throw new InvalidArgumentError({
      argument: 'options.level',
      value: level,
      message: 'expected a number in (0, 1).',
    });
  }
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError({
      argument: 'options.seed',
      value: seed,
      message: 'expected a safe integer.',
    });
  }
  const random = createSeededRandom(seed);
  const rows = new Int32Array(size);
  const results = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < size; i++) rows[i] = random.nextInt(size);
    const value = statistic(rows);
    if (Number.isNaN(value)) {
      throw new InvalidArgumentError({
        argument: 'statistic',
        value,
        message: `returned NaN on resample ${b}.`,
      });
    }
    results[b] = value;
  }
  results.sort();
  const tail = (1 - level) / 2;
  return {
    lower: quantile(results, tail),
    upper: quantile(results, 1 - tail),
    level,
    resamples,
    seed,
  };
}

/** numpy's linear-interpolation quantile of sorted values, with its lerp (exact at both ends). */
function quantile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const t = position - below;
  const a = sorted[below]!;
  const b = sorted[above]!;
  const difference = b - a;
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}
