import { CHECKPOINT_COUNT, dotAt, type ScanBuffers } from './dot-kernel.js';
import type { GemmScorer } from './gemm-scorer.js';

/**
 * Bound on float32 rounding in onnxruntime's SGEMM of a prefix of unit vectors (each product ≤ 1 in
 * magnitude, a few hundred terms, relative error 2^-24 per operation): far above the worst case of ~2e-5,
 * so a pair whose exact bound exceeds `pruneBelow` is never discarded because of rounding.
 */
export const GEMM_ROUNDING_MARGIN = 1e-4;

/** Most scores one GEMM call returns (queries × stored tile), so its output stays around 64 MiB. */
const MAX_SCORES_PER_CALL = 16 * 1024 * 1024;

export interface GemmScanInput {
  scorer: GemmScorer;
  /** Full stored vectors, row-major, `dimensions` wide. */
  store: Float32Array;
  /** The first `prefixDimensions` of every stored vector, row-major and contiguous (what GEMM reads). */
  storePrefix: Float32Array;
  /** Tail norms as `computeTailNorms` writes them; checkpoint 0 is the tail after `prefixDimensions`. */
  storeTails: Float64Array;
  dimensions: number;
  prefixDimensions: number;
  from: number;
  to: number;
  /** Query block, full vectors, and its contiguous prefix block (`prefixDimensions` wide). */
  queries: Float32Array;
  queryPrefix: Float32Array;
  queryTails: Float64Array;
  activeCount: number;
  threshold: number;
  pruneBelow: number;
  buffers: ScanBuffers;
}

/**
 * The same contract as `scanForDuplicates`, computed differently: onnxruntime multiplies the query prefixes
 * by the stored prefixes in one SIMD multi-threaded GEMM, Cauchy–Schwarz bounds what the remaining
 * dimensions can add (q·x ≤ q[:p]·x[:p] + |q[p:]|·|x[p:]|), and only pairs whose bound exceeds `pruneBelow`
 * are computed in full with `dotAt` — so hits, their similarities and the exact best similarities are
 * bit-identical to the JavaScript kernel's. Stored vectors are visited in id order, so the hit reported is
 * the lowest id above the threshold.
 */
export async function scanForDuplicatesWithGemm(input: GemmScanInput): Promise<number> {
  const { scorer, store, storePrefix, storeTails, dimensions, prefixDimensions, from, to, queries } = input;
  const { queryPrefix, queryTails, threshold, pruneBelow, buffers } = input;
  const { hitId, hitSimilarity, bestId, bestSimilarity, active } = buffers;
  const K = CHECKPOINT_COUNT;
  let activeCount = input.activeCount;
  if (activeCount === 0 || from >= to) return activeCount;

  // GEMM reads contiguous rows: gather the active queries' prefixes (usually all of the block).
  const P = prefixDimensions;
  const gathered = new Float32Array(activeCount * P);
  for (let a = 0; a < activeCount; a++) {
    const i = active[a]!;
    gathered.set(queryPrefix.subarray(i * P, (i + 1) * P), a * P);
  }
  const tile = Math.max(1, Math.floor(MAX_SCORES_PER_CALL / activeCount));
  // Rows of `gathered` still searched; a row leaves once it has a hit.
  let searching = Array.from({ length: activeCount }, (_, a) => a);
  for (let tileStart = from; tileStart < to && searching.length > 0; tileStart += tile) {
    const tileEnd = Math.min(to, tileStart + tile);
    const width = tileEnd - tileStart;
    const scores = await scorer.scores(
      gathered,
      activeCount,
      storePrefix.subarray(tileStart * P, tileEnd * P),
      width,
      P,
    );
    const stillSearching: number[] = [];
    for (const a of searching) {
      const i = active[a]!;
      const queryTail = queryTails[i * K]!;
      const row = a * width;
      let hit = false;
      for (let j = 0; j < width; j++) {
        const bound = scores[row + j]! + queryTail * storeTails[(tileStart + j) * K]!;
        if (bound + GEMM_ROUNDING_MARGIN <= pruneBelow) continue;
        const id = tileStart + j;
        const similarity = dotAt(queries, i, store, id, dimensions);
        if (similarity > bestSimilarity[i]!) {
          bestSimilarity[i] = similarity;
          bestId[i] = id;
        }
        if (similarity > threshold) {
          hitId[i] = id;
          hitSimilarity[i] = similarity;
          hit = true;
          break;
        }
      }
      if (!hit) stillSearching.push(a);
    }
    searching = stillSearching;
  }
  // Compact `active` to the queries without a hit, as scanForDuplicates does.
  const remaining = searching.map((a) => active[a]!);
  for (let a = 0; a < remaining.length; a++) active[a] = remaining[a]!;
  activeCount = remaining.length;
  return activeCount;
}
