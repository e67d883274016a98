/**
 * Seeded synthetic unit vectors for the dedup tests and benchmark (not exported from the package): mostly
 * independent random directions, with a share of near-duplicates made by perturbing an earlier vector.
 */

/** mulberry32: a tiny seedable PRNG, uniform in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller). */
export function createGaussian(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u = 0;
    while (u === 0) u = random();
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

/** Scales row `row` of `data` to unit length (norm computed in float64). */
export function normalizeRow(data: Float32Array, row: number, dimensions: number): void {
  const offset = row * dimensions;
  let squared = 0;
  for (let d = 0; d < dimensions; d++) squared += data[offset + d]! * data[offset + d]!;
  const scale = 1 / Math.sqrt(squared);
  for (let d = 0; d < dimensions; d++) data[offset + d] = data[offset + d]! * scale;
}

export interface ClusteredVectorsOptions {
  count: number;
  dimensions: number;
  seed?: number;
  /** Share of vectors that perturb an earlier vector instead of being a fresh random direction. */
  duplicateShare?: number;
  /** Cosines between a near-duplicate and its source are drawn uniformly from this range. */
  cosineRange?: [number, number];
  /**
   * When set, fresh vectors come from a random `intrinsicDimensions`-dimensional subspace (plus 10% of
   * isotropic noise) instead of the whole space — closer to real sentence embeddings, whose spectrum decays
   * fast, than isotropic noise, which is the hardest case for HNSW.
   */
  intrinsicDimensions?: number;
  /**
   * Expected cosine between two unrelated fresh vectors (default 0): each gets `sqrt(c)` of a shared mean
   * direction, like the anisotropy of real sentence embeddings, where unrelated texts rarely score 0.
   */
  baselineCosine?: number;
}

/**
 * `count` unit vectors, row-major. A near-duplicate is `c·source + sqrt(1 − c²)·noise` with `noise` a
 * random unit vector orthogonalized against the source, so its cosine with the source is `c` (up to
 * float32 rounding). `sourceOf[i]` is the row it was made from, or -1.
 */
export function clusteredUnitVectors(options: ClusteredVectorsOptions): {
  data: Float32Array;
  sourceOf: Int32Array;
} {
  const { count, dimensions } = options;
  const duplicateShare = options.duplicateShare ?? 0.25;
  const [low, high] = options.cosineRange ?? [0.7, 0.95];
  const random = createRandom(options.seed ?? 1);
  const gaussian = createGaussian(random);
  const data = new Float32Array(count * dimensions);
  const sourceOf = new Int32Array(count).fill(-1);
  const noise = new Float64Array(dimensions);
  const rank = options.intrinsicDimensions ?? 0;
  const basis = new Float64Array(rank * dimensions);
  for (let j = 0; j < basis.length; j++) basis[j] = gaussian() / Math.sqrt(dimensions);
  const latent = new Float64Array(rank);
  const baseline = options.baselineCosine ?? 0;
  const mean = new Float32Array(dimensions);
  if (baseline > 0) {
    for (let d = 0; d < dimensions; d++) mean[d] = gaussian();
    normalizeRow(mean, 0, dimensions);
  }
  for (let i = 0; i < count; i++) {
    const offset = i * dimensions;
    if (i > 0 && random() < duplicateShare) {
      const source = Math.floor(random() * i);
      sourceOf[i] = source;
      const cosine = low + (high - low) * random();
      const sourceOffset = source * dimensions;
      let along = 0;
      for (let d = 0; d < dimensions; d++) {
        noise[d] = gaussian();
        along += noise[d]! * data[sourceOffset + d]!;
      }
      let squared = 0;
      for (let d = 0; d < dimensions; d++) {
        noise[d] = noise[d]! - along * data[sourceOffset + d]!;
        squared += noise[d]! * noise[d]!;
      }
      const sine = Math.sqrt(1 - cosine * cosine) / Math.sqrt(squared);
      for (let d = 0; d < dimensions; d++)
        data[offset + d] = cosine * data[sourceOffset + d]! + sine * noise[d]!;
    } else if (rank > 0) {
      for (let j = 0; j < rank; j++) latent[j] = gaussian();
      const noiseScale = Math.sqrt(0.1 / 0.9) * Math.sqrt(rank / dimensions);
      for (let d = 0; d < dimensions; d++) {
        let value = 0;
        for (let j = 0; j < rank; j++) value += latent[j]! * basis[j * dimensions + d]!;
        data[offset + d] = value + noiseScale * gaussian();
      }
    } else {
      for (let d = 0; d < dimensions; d++) data[offset + d] = gaussian();
    }
    if (baseline > 0 && sourceOf[i] === -1) {
      // Scale the random part to unit length first, so the shared part's weight is exact.
      normalizeRow(data, i, dimensions);
      const shared = Math.sqrt(baseline);
      const own = Math.sqrt(1 - baseline);
      for (let d = 0; d < dimensions; d++) data[offset + d] = shared * mean[d]! + own * data[offset + d]!;
    }
    normalizeRow(data, i, dimensions);
  }
  return { data, sourceOf };
}
