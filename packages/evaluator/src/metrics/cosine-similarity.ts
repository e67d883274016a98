import { InvalidArgumentError } from '@tonekit/core';

/**
 * Cosine similarity of two vectors, accumulated in double precision. A zero vector is similar to
 * nothing (0), rather than NaN, so one empty embedding cannot poison a mean.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new InvalidArgumentError({
      argument: 'b',
      value: b.length,
      message: `expected a vector of ${a.length} dimensions like the first, got ${b.length}.`,
    });
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  if (normA === 0 || normB === 0) return 0;
  return dot / (Math.sqrt(normA) * Math.sqrt(normB));
}
