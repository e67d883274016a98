import { InvalidArgumentError } from '@tonekit/core';

/** A seeded stream of uniform numbers in [0, 1). */
export type UniformRandom = () => number;

/**
 * xoshiro128** seeded through splitmix32, drawing 53-bit doubles from two 32-bit outputs. Written here,
 * not taken from a package, so that a seed means the same tokens on every Node version and platform:
 * `Math.random` cannot be seeded and its algorithm is not specified.
 */
export function createSeededRandom(seed: number): UniformRandom {
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError({
      argument: 'seed',
      value: seed,
      message: `must be a safe integer, got ${seed}.`,
    });
  }
  // Both halves of the seed feed the state, so seeds that differ only above bit 32 still differ.
  let mix = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b1);
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  const next = (): number => {
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotateLeft(s3, 11);
    return result;
  };
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** A fresh seed for calls that give none; reported back so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}
