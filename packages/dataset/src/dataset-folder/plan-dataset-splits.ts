import { InvalidArgumentError } from '@tonekit/core';
import type { Seed } from '../random/create-seeded-random.js';
import { seededPermutation } from '../random/seeded-permutation.js';

export interface PlanDatasetSplitsOptions {
  /** Rows held out for validation. Default 1,000. */
  validationSize?: number;
  /** Sizes of the nested train subsets. Default [100, 1000, 5000, 9000]. */
  subsetSizes?: number[];
  seed: Seed;
}

export interface DatasetSplitPlan {
  /** Row indices (into the input) of the validation split, in file order. */
  validation: Uint32Array;
  /** Row indices of the train split, in file order. */
  train: Uint32Array;
  /** Subset size → row indices; each is a prefix of `train`, so smaller subsets nest in larger ones. */
  subsets: Map<number, Uint32Array>;
}

export const defaultValidationSize = 1_000;
export const defaultSubsetSizes: readonly number[] = [100, 1_000, 5_000, 9_000];

/**
 * How rows are assigned, from one seeded permutation P of all rows (Fisher–Yates with xoshiro128**):
 * validation = P[0, v), train = P[v, n), and subset k = the first k rows of train. Hence every subset
 * is a prefix of the same permutation of train rows: train-100 ⊂ train-1000 ⊂ ... ⊂ train, and no
 * validation row is in any subset. The same rows and seed always give the same plan.
 */
export function planDatasetSplits(
  rowCount: number,
  {
    validationSize = defaultValidationSize,
    subsetSizes = [...defaultSubsetSizes],
    seed,
  }: PlanDatasetSplitsOptions,
): DatasetSplitPlan {
  if (!Number.isSafeInteger(validationSize) || validationSize < 0) {
    throw new InvalidArgumentError({
      argument: 'validationSize',
      value: validationSize,
      message: 'expected a non-negative integer.',
    });
  }
  for (const size of subsetSizes) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new InvalidArgumentError({
        argument: 'subsetSizes',
        value: subsetSizes,
        message: `expected positive integers, got ${size}.`,
      });
    }
  }
  if (new Set(subsetSizes).size !== subsetSizes.length) {
    throw new InvalidArgumentError({
      argument: 'subsetSizes',
      value: subsetSizes,
      message: 'sizes must be distinct.',
    });
  }
  const largest = Math.max(0, ...subsetSizes);
  const trainSize = rowCount - validationSize;
  if (trainSize < Math.max(1, largest)) {
    throw new InvalidArgumentError({
      argument: 'records',
      value: rowCount,
      message:
        `${rowCount} rows cannot fill a validation split of ${validationSize} plus a train split of at least ` +
        `${Math.max(1, largest)} rows (the largest subset); ${validationSize + Math.max(1, largest)} rows are needed. ` +
        'Lower validationSize or subsetSizes, or generate more rows.',
    });
  }
  const permutation = seededPermutation(rowCount, seed);
  const validation = permutation.subarray(0, validationSize);
  const train = permutation.subarray(validationSize);
  const subsets = new Map<number, Uint32Array>();
  for (const size of [...subsetSizes].sort((a, b) => a - b)) subsets.set(size, train.subarray(0, size));
  return { validation, train, subsets };
}
