import { InvalidArgumentError } from '@tonekit/core';
import type { Aggregate } from '../evaluation-metrics.js';
import { type BootstrapOptions, bootstrapConfidenceInterval } from './bootstrap-confidence-interval.js';

/**
 * The mean of per-pair values (Flesch scores, cosines, word counts, 0/1 conversational flags × 100, …)
 * with a seeded percentile bootstrap interval over the pairs.
 */
export function bootstrapMean(values: ArrayLike<number>, options: BootstrapOptions = {}): Aggregate {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new InvalidArgumentError({
        argument: `values[${i}]`,
        value: values[i],
        message: 'expected a finite number.',
      });
    }
  }
  const ci = bootstrapConfidenceInterval(
    values.length,
    (rows) => {
      let sum = 0;
      for (let i = 0; i < rows.length; i++) sum += values[rows[i]!]!;
      return sum / rows.length;
    },
    options,
  );
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return { value: sum / values.length, ci };
}
