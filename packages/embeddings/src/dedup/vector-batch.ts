import { InvalidArgumentError } from '@tonekit/core';

/** Vectors as callers have them: one Float32Array per vector, or n × dimensions values back to back. */
export type VectorBatchInput = Float32Array | readonly Float32Array[];

/** A batch flattened to one row-major Float32Array of `count` unit vectors. */
export interface VectorBatch {
  data: Float32Array;
  count: number;
}

/**
 * How far a vector's norm may be from 1 when `normalize` is off. Model outputs normalized in float32 are
 * within ~1e-7; anything further off was not normalized, and dot products would not be cosines.
 */
export const UNIT_NORM_TOLERANCE = 1e-3;

/**
 * Flattens and checks a batch: every vector has `dimensions` finite values and, unless `normalize` is set,
 * unit length. With `normalize`, the vectors are copied and scaled to unit length (the input is never
 * modified). A flat input that needs no normalization is used as is, without a copy.
 */
export function toVectorBatch(
  vectors: VectorBatchInput,
  dimensions: number,
  normalize: boolean,
  argument: string,
): VectorBatch {
  let data: Float32Array;
  let count: number;
  if (vectors instanceof Float32Array) {
    if (vectors.length % dimensions !== 0) {
      throw new InvalidArgumentError({
        argument,
        value: vectors.length,
        message: `a flat Float32Array must hold n × ${dimensions} values, got ${vectors.length} (not a multiple of ${dimensions}).`,
      });
    }
    count = vectors.length / dimensions;
    data = normalize ? new Float32Array(vectors) : vectors;
  } else if (Array.isArray(vectors)) {
    count = vectors.length;
    data = new Float32Array(count * dimensions);
    for (let i = 0; i < count; i++) {
      const vector = vectors[i];
      if (!(vector instanceof Float32Array)) {
        throw new InvalidArgumentError({
          argument: `${argument}[${i}]`,
          value: vector,
          message: `expected a Float32Array, got ${describe(vector)}.`,
        });
      }
      if (vector.length !== dimensions) {
        throw new InvalidArgumentError({
          argument: `${argument}[${i}]`,
          value: vector.length,
          message: `expected ${dimensions} dimensions, got ${vector.length}.`,
        });
      }
      data.set(vector, i * dimensions);
    }
  } else {
    throw new InvalidArgumentError({
      argument,
      value: vectors,
      message: `expected a Float32Array or an array of Float32Array, got ${describe(vectors)}.`,
    });
  }
  for (let i = 0; i < count; i++) {
    const offset = i * dimensions;
    let squared = 0;
    for (let d = 0; d < dimensions; d++) {
      const value = data[offset + d]!;
      squared += value * value;
    }
    const norm = Math.sqrt(squared);
    if (!Number.isFinite(norm)) {
      throw new InvalidArgumentError({
        argument: `${argument}[${i}]`,
        value: norm,
        message: 'the vector contains NaN or Infinity.',
      });
    }
    if (normalize) {
      if (norm === 0) {
        throw new InvalidArgumentError({
          argument: `${argument}[${i}]`,
          value: norm,
          message: 'cannot normalize a zero vector.',
        });
      }
      const scale = 1 / norm;
      for (let d = 0; d < dimensions; d++) data[offset + d] = data[offset + d]! * scale;
    } else if (!(Math.abs(norm - 1) <= UNIT_NORM_TOLERANCE)) {
      throw new InvalidArgumentError({
        argument: `${argument}[${i}]`,
        value: norm,
        message: `expected a unit-length vector (the index compares dot products as cosines), got norm ${norm}. Normalize the embeddings or create the index with \`normalize: true\`.`,
      });
    }
  }
  return { data, count };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}
