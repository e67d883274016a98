import { InvalidArgumentError } from '@tonekit/core';
import { createSeededRandom, type Seed, type SeededRandom } from './create-seeded-random.js';

/**
 * A permutation of 0..length-1 by Fisher–Yates (Durstenfeld's in-place variant, walking down from the
 * end), driven by xoshiro128** from `seed`. The same seed and length always give the same permutation.
 */
export function seededPermutation(length: number, seed: Seed | SeededRandom): Uint32Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > 2 ** 32) {
    throw new InvalidArgumentError({
      argument: 'length',
      value: length,
      message: 'expected an integer in [0, 2^32].',
    });
  }
  const indices = new Uint32Array(length);
  for (let i = 0; i < length; i++) indices[i] = i;
  return shuffleInPlace(indices, seed);
}

/** Shuffles an array in place with Fisher–Yates and returns it. */
export function shuffleInPlace<T extends { [index: number]: unknown; length: number }>(
  array: T,
  seed: Seed | SeededRandom,
): T {
  const random = typeof seed === 'object' ? seed : createSeededRandom(seed);
  for (let i = array.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    const value = array[i];
    array[i] = array[j];
    array[j] = value;
  }
  return array;
}
