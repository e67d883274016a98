import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@tonekit/core';

/**
 * A deterministic pseudo-random unit vector for `text`: the same text always gives the same vector,
 * different texts give nearly orthogonal ones (cosine around ±1/√dimensions), like unrelated
 * sentences under a real embedding model.
 *
 * Gaussian components (not uniform) make the direction uniform on the sphere; seeding from SHA-256
 * rather than a 32-bit string hash keeps distinct texts from ever sharing a vector in practice.
 */
export function hashToUnitVector(text: string, dimensions: number): Float32Array {
  if (!(Number.isInteger(dimensions) && dimensions >= 1)) {
    throw new InvalidArgumentError({
      argument: 'dimensions',
      value: dimensions,
      message: `expected a positive integer, got ${dimensions}.`,
    });
  }
  const digest = createHash('sha256').update(text, 'utf8').digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  // xoshiro128** must not start from an all-zero state.
  let d = digest.readUInt32LE(12) | 1;
  // xoshiro128**: small, fast and statistically sound, unlike a linear congruential generator.
  const nextUniform = (): number => {
    const result = Math.imul(rotateLeft(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotateLeft(d, 11);
    // Strictly inside (0, 1), so the logarithm below is finite.
    return (result + 0.5) / 4294967296;
  };

  const values = new Float64Array(dimensions);
  for (let index = 0; index < dimensions; index += 2) {
    // Box–Muller: two uniform draws give two independent standard normal values.
    const radius = Math.sqrt(-2 * Math.log(nextUniform()));
    const angle = 2 * Math.PI * nextUniform();
    values[index] = radius * Math.cos(angle);
    if (index + 1 < dimensions) values[index + 1] = radius * Math.sin(angle);
  }
  let squares = 0;
  for (const value of values) squares += value * value;
  const norm = Math.sqrt(squares);
  return Float32Array.from(values, (value) => value / norm);
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
