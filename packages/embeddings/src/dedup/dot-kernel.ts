/**
 * Dot-product kernels of the dedup index. Plain JavaScript over Float32Array data, accumulated in float64
 * (V8 widens every float32 load to a double, so float64 accumulation costs nothing and keeps results within
 * ~1e-12 of an exact float64 reference, far inside the documented 1e-6).
 *
 * Why the code looks like this: V8 does not vectorize, so throughput comes from register blocking. A block
 * of 4 queries × 2 stored vectors keeps 8 independent accumulators plus 6 operands in the 16 x86-64 XMM
 * registers; each loaded stored value is reused by 4 queries and each query value by 2 stored vectors. On
 * the 2-core AMD EPYC this was written on, 4×2 ran ~2.2 G multiply-adds/s against ~0.7 G for a one-pair
 * loop (4×4 spills registers and is no faster). Stored vectors are visited in tiles that fit in L2 so every
 * group of 4 queries reuses the tile from cache.
 *
 * Pruning (exact, never changes a result): the dimensions are cut at a few checkpoints. After the prefix
 * up to a checkpoint, Cauchy–Schwarz bounds what the rest can add: q·x ≤ q[:c]·x[:c] + |q[c:]|·|x[c:]|.
 * When that bound is at most `pruneBelow` for all 8 pairs of a block, the rest of the block is skipped.
 * On unit vectors whose unrelated pairs have low similarity this skips about half of the work or more;
 * pairs that could reach `pruneBelow` are always computed in full.
 */

/** Stored vectors per tile: ~192 KiB of float32 data, which stays in a 512 KiB L2 cache. */
const TILE_BYTES = 192 * 1024;

/** Cut points (fractions of the dimensions) where the pruning bound is checked. */
const CHECKPOINT_FRACTIONS = [3 / 8, 1 / 2, 3 / 4] as const;

/** Number of tail norms stored per vector (one per checkpoint). */
export const CHECKPOINT_COUNT = CHECKPOINT_FRACTIONS.length;

/**
 * Dimension indices of the checkpoints followed by `dimensions` itself. Below 32 dimensions pruning does
 * not pay for its checks, so every checkpoint is `dimensions` and the bound degenerates to the exact dot.
 */
export function checkpointCuts(dimensions: number): Int32Array {
  const cuts = new Int32Array(CHECKPOINT_COUNT + 1);
  for (let c = 0; c < CHECKPOINT_COUNT; c++) {
    cuts[c] = dimensions < 32 ? dimensions : Math.floor((dimensions * CHECKPOINT_FRACTIONS[c]!) / 4) * 4;
  }
  cuts[CHECKPOINT_COUNT] = dimensions;
  return cuts;
}

/**
 * Writes, for each of `count` vectors in `data` starting at vector `first`, the Euclidean norm of the
 * dimensions after each checkpoint into `tails[vector * CHECKPOINT_COUNT + c]`.
 */
export function computeTailNorms(
  data: Float32Array,
  dimensions: number,
  cuts: Int32Array,
  first: number,
  count: number,
  tails: Float64Array,
  tailsFirst: number,
): void {
  for (let v = 0; v < count; v++) {
    const offset = (first + v) * dimensions;
    // Walk backwards so each checkpoint's suffix sum is one running total.
    let sum = 0;
    let d = dimensions - 1;
    for (let c = CHECKPOINT_COUNT - 1; c >= 0; c--) {
      const cut = cuts[c]!;
      for (; d >= cut; d--) {
        const value = data[offset + d]!;
        sum += value * value;
      }
      tails[(tailsFirst + v) * CHECKPOINT_COUNT + c] = Math.sqrt(sum);
    }
  }
}

/** Buffers one threshold scan reads and writes, indexed by query position in the query block. */
export interface ScanBuffers {
  /** Lowest stored index whose similarity exceeds `threshold`, or -1. */
  hitId: Int32Array;
  hitSimilarity: Float64Array;
  /** Highest similarity computed in full (exact whenever it is at least `pruneBelow`), and its index. */
  bestId: Int32Array;
  bestSimilarity: Float64Array;
  /** Query positions still searched; compacted in place as queries find a hit. */
  active: Int32Array;
}

/**
 * Compares the `activeCount` queries listed in `buffers.active` with stored vectors `[from, to)` and stops
 * searching for a query as soon as a tile yields a similarity strictly greater than `threshold` for it.
 * Returns the number of queries still active (no hit), which stay in `buffers.active[0..n)`.
 */
export function scanForDuplicates(
  store: Float32Array,
  storeTails: Float64Array,
  dimensions: number,
  cuts: Int32Array,
  from: number,
  to: number,
  queries: Float32Array,
  queryTails: Float64Array,
  activeCount: number,
  threshold: number,
  pruneBelow: number,
  buffers: ScanBuffers,
): number {
  const { hitId, hitSimilarity, bestId, bestSimilarity, active } = buffers;
  const D = dimensions;
  const K = CHECKPOINT_COUNT;
  let tile = Math.max(8, Math.floor(TILE_BYTES / (4 * D)));
  tile -= tile % 2;
  for (let tileStart = from; tileStart < to && activeCount > 0; tileStart += tile) {
    const tileEnd = Math.min(to, tileStart + tile);
    for (let g = 0; g < activeCount; g += 4) {
      // A short last group repeats its last query: the duplicate slots compute identical values.
      const last = activeCount - 1;
      const i0 = active[g]!;
      const i1 = active[Math.min(g + 1, last)]!;
      const i2 = active[Math.min(g + 2, last)]!;
      const i3 = active[Math.min(g + 3, last)]!;
      const q0 = i0 * D;
      const q1 = i1 * D;
      const q2 = i2 * D;
      const q3 = i3 * D;
      let s = tileStart;
      for (; s + 1 < tileEnd; s += 2) {
        const x0 = s * D;
        const x1 = x0 + D;
        let a0 = 0;
        let a1 = 0;
        let b0 = 0;
        let b1 = 0;
        let c0 = 0;
        let c1 = 0;
        let e0 = 0;
        let e1 = 0;
        let d = 0;
        let pruned = false;
        for (let c = 0; c <= K; c++) {
          const end = cuts[c]!;
          for (; d < end; d++) {
            const u0 = store[x0 + d]!;
            const u1 = store[x1 + d]!;
            const v0 = queries[q0 + d]!;
            const v1 = queries[q1 + d]!;
            const v2 = queries[q2 + d]!;
            const v3 = queries[q3 + d]!;
            a0 += v0 * u0;
            a1 += v0 * u1;
            b0 += v1 * u0;
            b1 += v1 * u1;
            c0 += v2 * u0;
            c1 += v2 * u1;
            e0 += v3 * u0;
            e1 += v3 * u1;
          }
          if (c === K) break;
          const t0 = storeTails[s * K + c]!;
          const t1 = storeTails[(s + 1) * K + c]!;
          const r0 = queryTails[i0 * K + c]!;
          const r1 = queryTails[i1 * K + c]!;
          const r2 = queryTails[i2 * K + c]!;
          const r3 = queryTails[i3 * K + c]!;
          if (
            a0 + r0 * t0 <= pruneBelow &&
            a1 + r0 * t1 <= pruneBelow &&
            b0 + r1 * t0 <= pruneBelow &&
            b1 + r1 * t1 <= pruneBelow &&
            c0 + r2 * t0 <= pruneBelow &&
            c1 + r2 * t1 <= pruneBelow &&
            e0 + r3 * t0 <= pruneBelow &&
            e1 + r3 * t1 <= pruneBelow
          ) {
            pruned = true;
            break;
          }
        }
        if (pruned) continue;
        const s1 = s + 1;
        if (a0 > bestSimilarity[i0]!) {
          bestSimilarity[i0] = a0;
          bestId[i0] = s;
        }
        if (a1 > bestSimilarity[i0]!) {
          bestSimilarity[i0] = a1;
          bestId[i0] = s1;
        }
        if (b0 > bestSimilarity[i1]!) {
          bestSimilarity[i1] = b0;
          bestId[i1] = s;
        }
        if (b1 > bestSimilarity[i1]!) {
          bestSimilarity[i1] = b1;
          bestId[i1] = s1;
        }
        if (c0 > bestSimilarity[i2]!) {
          bestSimilarity[i2] = c0;
          bestId[i2] = s;
        }
        if (c1 > bestSimilarity[i2]!) {
          bestSimilarity[i2] = c1;
          bestId[i2] = s1;
        }
        if (e0 > bestSimilarity[i3]!) {
          bestSimilarity[i3] = e0;
          bestId[i3] = s;
        }
        if (e1 > bestSimilarity[i3]!) {
          bestSimilarity[i3] = e1;
          bestId[i3] = s1;
        }
        // Pairs are visited in increasing stored index, so the first hit recorded is the lowest id.
        if (a0 > threshold && hitId[i0] === -1) {
          hitId[i0] = s;
          hitSimilarity[i0] = a0;
        }
        if (a1 > threshold && hitId[i0] === -1) {
          hitId[i0] = s1;
          hitSimilarity[i0] = a1;
        }
        if (b0 > threshold && hitId[i1] === -1) {
          hitId[i1] = s;
          hitSimilarity[i1] = b0;
        }
        if (b1 > threshold && hitId[i1] === -1) {
          hitId[i1] = s1;
          hitSimilarity[i1] = b1;
        }
        if (c0 > threshold && hitId[i2] === -1) {
          hitId[i2] = s;
          hitSimilarity[i2] = c0;
        }
        if (c1 > threshold && hitId[i2] === -1) {
          hitId[i2] = s1;
          hitSimilarity[i2] = c1;
        }
        if (e0 > threshold && hitId[i3] === -1) {
          hitId[i3] = s;
          hitSimilarity[i3] = e0;
        }
        if (e1 > threshold && hitId[i3] === -1) {
          hitId[i3] = s1;
          hitSimilarity[i3] = e1;
        }
      }
      if (s < tileEnd) {
        // Odd tile end: one stored vector against the 4 queries, without pruning.
        const x0 = s * D;
        let a0 = 0;
        let b0 = 0;
        let c0 = 0;
        let e0 = 0;
        for (let d = 0; d < D; d++) {
          const u0 = store[x0 + d]!;
          a0 += queries[q0 + d]! * u0;
          b0 += queries[q1 + d]! * u0;
          c0 += queries[q2 + d]! * u0;
          e0 += queries[q3 + d]! * u0;
        }
        if (a0 > bestSimilarity[i0]!) {
          bestSimilarity[i0] = a0;
          bestId[i0] = s;
        }
        if (b0 > bestSimilarity[i1]!) {
          bestSimilarity[i1] = b0;
          bestId[i1] = s;
        }
        if (c0 > bestSimilarity[i2]!) {
          bestSimilarity[i2] = c0;
          bestId[i2] = s;
        }
        if (e0 > bestSimilarity[i3]!) {
          bestSimilarity[i3] = e0;
          bestId[i3] = s;
        }
        if (a0 > threshold && hitId[i0] === -1) {
          hitId[i0] = s;
          hitSimilarity[i0] = a0;
        }
        if (b0 > threshold && hitId[i1] === -1) {
          hitId[i1] = s;
          hitSimilarity[i1] = b0;
        }
        if (c0 > threshold && hitId[i2] === -1) {
          hitId[i2] = s;
          hitSimilarity[i2] = c0;
        }
        if (e0 > threshold && hitId[i3] === -1) {
          hitId[i3] = s;
          hitSimilarity[i3] = e0;
        }
      }
    }
    // Queries with a hit stop here: the early exit, at tile granularity.
    let kept = 0;
    for (let g = 0; g < activeCount; g++) {
      const i = active[g]!;
      if (hitId[i] === -1) active[kept++] = i;
    }
    activeCount = kept;
  }
  return activeCount;
}

/**
 * Similarity of one query with every stored vector `[0, count)`, written to `out[0..count)`. Blocks 1 query
 * × 4 stored vectors: `nearest` must see every similarity, so there is no early exit and no pruning.
 */
export function similaritiesToAll(
  store: Float32Array,
  dimensions: number,
  count: number,
  query: Float32Array,
  queryOffset: number,
  out: Float64Array,
): void {
  const D = dimensions;
  const q = queryOffset;
  let s = 0;
  for (; s + 3 < count; s += 4) {
    const x0 = s * D;
    const x1 = x0 + D;
    const x2 = x1 + D;
    const x3 = x2 + D;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let d = 0; d < D; d++) {
      const v = query[q + d]!;
      a0 += v * store[x0 + d]!;
      a1 += v * store[x1 + d]!;
      a2 += v * store[x2 + d]!;
      a3 += v * store[x3 + d]!;
    }
    out[s] = a0;
    out[s + 1] = a1;
    out[s + 2] = a2;
    out[s + 3] = a3;
  }
  for (; s < count; s++) {
    const x0 = s * D;
    let a0 = 0;
    for (let d = 0; d < D; d++) a0 += query[q + d]! * store[x0 + d]!;
    out[s] = a0;
  }
}

/**
 * Dot product of vector `i` of `a` and vector `j` of `b`: one float64 accumulator in dimension order, the
 * same order as every accumulator of the blocked kernels, so all paths give bit-identical similarities.
 */
export function dotAt(a: Float32Array, i: number, b: Float32Array, j: number, dimensions: number): number {
  const x = i * dimensions;
  const y = j * dimensions;
  let sum = 0;
  for (let d = 0; d < dimensions; d++) sum += a[x + d]! * b[y + d]!;
  return sum;
}
