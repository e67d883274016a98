import { InvalidArgumentError } from '@tonekit/core';

/** A seed: any safe integer (or bigint); it is reduced to 64 bits, so -1 and 2^64-1 are the same seed. */
export type Seed = number | bigint;

/** A deterministic source of random numbers. */
export interface SeededRandom {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform integer in [0, bound), without modulo bias. `bound` must be in [1, 2^32]. */
  nextInt(bound: number): number;
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number;
}

const mask64 = (1n << 64n) - 1n;

/** Reduces a user seed to the 64-bit integer the generators work on. */
export function normalizeSeed(seed: Seed, argument = 'seed'): bigint {
  if (typeof seed === 'bigint') return BigInt.asUintN(64, seed);
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError({
      argument,
      value: seed,
      message: `expected a safe integer or a bigint, got ${String(seed)}.`,
    });
  }
  return BigInt.asUintN(64, BigInt(seed));
}

/**
 * SplitMix64 (Steele, Lea and Flood 2014; Vigna's reference splitmix64.c): returns the generator as a
 * function of 64-bit outputs. Used only to expand a seed into generator state, as Vigna recommends,
 * so BigInt's slowness does not matter.
 */
export function splitMix64(seed: Seed): () => bigint {
  let state = normalizeSeed(seed);
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & mask64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask64;
    return z ^ (z >> 31n);
  };
}

/**
 * Derives an independent seed for one purpose (file order, buffer shuffle, ...) from a user seed, so
 * that changing how one stage consumes randomness does not change the others.
 */
export function deriveSeed(seed: Seed, stream: number): bigint {
  const next = splitMix64(normalizeSeed(seed) ^ BigInt.asUintN(64, BigInt(stream) * 0xd1b54a32d192ed03n));
  return next();
}

/**
 * xoshiro128** 1.1 (Blackman and Vigna 2018), 32-bit output, period 2^128 − 1, seeded by expanding the
 * 64-bit seed with SplitMix64 exactly as Rust's `rand_xoshiro::Xoshiro128StarStar::seed_from_u64`
 * does (two outputs, little-endian words). Chosen over Math.random for reproducibility, and over
 * mulberry32 for its statistical quality and a published reference implementation to test against.
 * Pure 32-bit integer arithmetic, so results are identical on every platform.
 */
export function createSeededRandom(seed: Seed): SeededRandom {
  const expand = splitMix64(seed);
  const first = expand();
  const second = expand();
  return createXoshiro128StarStar([
    Number(first & 0xffffffffn),
    Number(first >> 32n),
    Number(second & 0xffffffffn),
    Number(second >> 32n),
  ]);
}

/** xoshiro128** from an explicit 128-bit state (four 32-bit words, not all zero). */
export function createXoshiro128StarStar(
  initialState: readonly [number, number, number, number],
): SeededRandom {
  let [s0, s1, s2, s3] = initialState.map((word) => word >>> 0) as [number, number, number, number];
  if ((s0 | s1 | s2 | s3) === 0) {
    throw new InvalidArgumentError({
      argument: 'state',
      value: initialState,
      message: 'xoshiro128** state must not be all zero.',
    });
  }
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
  return {
    nextUint32,
    nextInt(bound: number): number {
      if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) {
        throw new InvalidArgumentError({
          argument: 'bound',
          value: bound,
          message: 'expected an integer in [1, 2^32].',
        });
      }
      // Rejection sampling: drop the top values that would make `x % bound` favour small results.
      const limit = 2 ** 32 - (2 ** 32 % bound);
      let x = nextUint32();
      while (x >= limit) x = nextUint32();
      return x % bound;
    },
    nextFloat: () => nextUint32() / 2 ** 32,
  };
}
