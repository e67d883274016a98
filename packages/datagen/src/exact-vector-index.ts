/**
 * An exact cosine-similarity index over normalized vectors: a plain scan, which at the paper's scale
 * (10,000 questions × 768 dimensions, one query per chunk) costs milliseconds per query. Exact on
 * purpose: dedup decisions must be reproducible, which an approximate index does not promise. A larger
 * run can bring its own index later through the CLI; this one keeps datagen free of @tonekit/embeddings.
 */
export class ExactVectorIndex<K> {
  readonly #entries = new Map<K, Float32Array>();

  get size(): number {
    return this.#entries.size;
  }

  add(key: K, vector: Float32Array): void {
    this.#entries.set(key, normalizeVector(vector));
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Keys whose cosine similarity with `vector` is strictly above `threshold`. */
  findAbove(vector: Float32Array, threshold: number): K[] {
    const query = normalizeVector(vector);
    const found: K[] = [];
    for (const [key, entry] of this.#entries) {
      if (dot(query, entry) > threshold) found.push(key);
    }
    return found;
  }
}

/** A unit-length copy (a zero vector stays zero, so it is similar to nothing). */
export function normalizeVector(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  const result = new Float32Array(vector.length);
  if (norm === 0) return result;
  for (let i = 0; i < vector.length; i++) result[i] = vector[i]! / norm;
  return result;
}

function dot(a: Float32Array, b: Float32Array): number {
  const length = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += a[i]! * b[i]!;
  return sum;
}
