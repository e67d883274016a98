import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { asyncDispose, CancelledError, InvalidArgumentError, TonekitError } from '@tonekit/core';
import { readDedupFile, temporaryPathFor, writeDedupFile } from './dedup-file.js';
import {
  CHECKPOINT_COUNT,
  checkpointCuts,
  computeTailNorms,
  dotAt,
  type ScanBuffers,
  scanForDuplicates,
  similaritiesToAll,
} from './dot-kernel.js';
import { GEMM_ROUNDING_MARGIN, scanForDuplicatesWithGemm } from './gemm-scan.js';
import { createGemmScorer, type GemmScorer } from './gemm-scorer.js';
import { HnswGraph, type HnswOptions, type ResolvedHnswOptions, resolveHnswOptions } from './hnsw-graph.js';
import { NearThresholdAudit, type NearThresholdReport } from './near-threshold-audit.js';
import { toVectorBatch, type VectorBatchInput } from './vector-batch.js';

/** The seeds' question-dedup rule: cosine > 0.8 against every kept question rejects. */
export const DEFAULT_DEDUP_THRESHOLD = 0.8;

/** Queries processed together against each tile of stored vectors. */
const QUERY_BLOCK = 64;

/** Below this many query × stored pairs a native GEMM call costs more than the JavaScript kernel. */
const GEMM_MIN_PAIRS = 1 << 20;

/** Slack on the pruning bound, far above float64 rounding of a 768-term dot product (~1e-13). */
const PRUNE_EPSILON = 1e-9;

export interface CreateDedupIndexOptions {
  /** Length of every vector (768 for gte-modernbert-base). */
  dimensions: number;
  /** A vector is a duplicate when its cosine with a kept vector is strictly greater. Default 0.8. */
  threshold?: number;
  /**
   * Scale copies of incoming vectors to unit length. Off by default: embedders in this package return
   * normalized vectors, and vectors that are not unit-length (±1e-3) are then rejected with an error.
   */
  normalize?: boolean;
  /** Vectors to allocate room for up front; the store doubles when full. Default 1024. */
  initialCapacity?: number;
  /** Search kept vectors with an HNSW graph instead of exactly; for indexes of millions of vectors. */
  approximate?: HnswOptions | false;
  /** What `nearThresholdPairs` can report: decisions within `margin` of the threshold, `limit` sampled. */
  audit?: { margin?: number; limit?: number };
  /**
   * Exact mode: compare large batches with onnxruntime's multi-threaded SIMD SGEMM (loaded lazily) instead
   * of the JavaScript kernel — same decisions, about 8–10x faster at 768 dimensions. Default true; falls
   * back to JavaScript when onnxruntime cannot load.
   */
  accelerate?: boolean;
}

/** What `addIfNovel` decided for each vector of a batch, in input order. */
export interface DedupBatchResult {
  kept: boolean[];
  /** The id each kept vector got, `null` for rejected ones. */
  ids: (number | null)[];
  /**
   * The kept vector each rejected one duplicates, `null` for kept ones. Exact mode: the lowest id whose
   * similarity exceeds the threshold. Approximate mode: the HNSW nearest neighbor, or the lowest such id
   * among vectors kept earlier in the same batch.
   */
  duplicateOf: (number | null)[];
  /**
   * Rejected: the similarity with `duplicateOf`. Kept: the highest similarity with any previously kept
   * vector when it is within the audit margin below the threshold, otherwise `null` (the search proves it
   * is lower without computing it).
   */
  similarity: (number | null)[];
}

export interface Neighbor {
  id: number;
  similarity: number;
}

export interface NearestOptions {
  /** In approximate mode, scan every vector instead of searching the graph. */
  exact?: boolean;
}

interface IndexState {
  dimensions: number;
  threshold: number;
  normalize: boolean;
  capacity: number;
  approximate: ResolvedHnswOptions | null;
  audit: NearThresholdAudit;
  data?: Float32Array;
  size?: number;
  sequence?: number;
  graph?: HnswGraph;
  accelerate?: boolean;
}

/**
 * Creates an empty near-duplicate index. Async because approximate mode loads the hnswlib-node addon on
 * first use; the exact mode loads nothing native.
 *
 * ```ts
 * const index = await createDedupIndex({ dimensions: 768 });
 * const { kept } = await index.addIfNovel(embeddings); // cosine > 0.8 with a kept vector rejects
 * ```
 */
export async function createDedupIndex(options: CreateDedupIndexOptions): Promise<DedupIndex> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({
      argument: 'options',
      value: options,
      message: 'expected an options object.',
    });
  }
  const dimensions = options.dimensions;
  requireInteger('dimensions', dimensions, 1);
  const threshold = options.threshold ?? DEFAULT_DEDUP_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold >= -1 && threshold <= 1)) {
    throw new InvalidArgumentError({
      argument: 'threshold',
      value: threshold,
      message: 'expected a cosine similarity between -1 and 1.',
    });
  }
  const capacity = options.initialCapacity ?? 1024;
  requireInteger('initialCapacity', capacity, 1);
  const audit = resolveAudit(options.audit);
  let approximate: ResolvedHnswOptions | null = null;
  if (options.approximate) {
    if (options.approximate.kind !== 'hnsw') {
      throw new InvalidArgumentError({
        argument: 'approximate.kind',
        value: options.approximate.kind,
        message: "the only approximate index is 'hnsw'.",
      });
    }
    approximate = resolveHnswOptions(options.approximate);
    requireInteger('approximate.M', approximate.M, 2);
    requireInteger('approximate.efConstruction', approximate.efConstruction, 1);
    requireInteger('approximate.efSearch', approximate.efSearch, 1);
    requireInteger('approximate.seed', approximate.seed, 0);
  }
  const graph = approximate ? await HnswGraph.create(dimensions, approximate, capacity) : undefined;
  return new DedupIndex({
    dimensions,
    threshold,
    normalize: options.normalize ?? false,
    capacity,
    approximate,
    audit,
    accelerate: options.accelerate ?? true,
    graph,
  });
}

/**
 * An append-only set of unit vectors that rejects near-duplicates. Ids are 0, 1, 2… in the order vectors
 * were kept. Create it with `createDedupIndex` or `DedupIndex.load`.
 */
export class DedupIndex implements AsyncDisposable {
  readonly dimensions: number;
  /** Similarities strictly greater than this reject. */
  readonly threshold: number;
  readonly normalize: boolean;
  /** The HNSW settings in approximate mode, `null` in exact mode. */
  readonly approximate: ResolvedHnswOptions | null;

  #data: Float32Array;
  #tails: Float64Array;
  #capacity: number;
  #size: number;
  #sequence: number;
  #graph: HnswGraph | undefined;
  #audit: NearThresholdAudit;
  #disposed = false;
  readonly #cuts: Int32Array;
  readonly #pruneBelow: number;
  readonly #buffers: ScanBuffers;
  // onnxruntime GEMM for large exact scans: undefined = not loaded yet, null = off or unavailable.
  #scorer: GemmScorer | null | undefined;
  // The first `cuts[0]` dimensions of every stored vector, contiguous, mirrored lazily for the GEMM.
  #prefix = new Float32Array(0);
  #prefixRows = 0;

  /** @internal Use `createDedupIndex` or `DedupIndex.load`. */
  constructor(state: IndexState) {
    this.dimensions = state.dimensions;
    this.threshold = state.threshold;
    this.normalize = state.normalize;
    this.approximate = state.approximate;
    this.#audit = state.audit;
    this.#size = state.size ?? 0;
    this.#sequence = state.sequence ?? 0;
    this.#capacity = Math.max(state.capacity, this.#size);
    this.#data = state.data ?? new Float32Array(this.#capacity * this.dimensions);
    this.#capacity = this.#data.length / this.dimensions;
    this.#tails = new Float64Array(this.#capacity * CHECKPOINT_COUNT);
    this.#cuts = checkpointCuts(this.dimensions);
    computeTailNorms(this.#data, this.dimensions, this.#cuts, 0, this.#size, this.#tails, 0);
    this.#graph = state.graph;
    this.#scorer = state.accelerate === false ? null : undefined;
    // Pairs that could land within the audit margin are computed in full, so their similarity is exact.
    this.#pruneBelow = this.threshold - this.#audit.margin - PRUNE_EPSILON;
    this.#buffers = {
      hitId: new Int32Array(QUERY_BLOCK),
      hitSimilarity: new Float64Array(QUERY_BLOCK),
      bestId: new Int32Array(QUERY_BLOCK),
      bestSimilarity: new Float64Array(QUERY_BLOCK),
      active: new Int32Array(QUERY_BLOCK),
    };
  }

  /** Number of stored (kept or added) vectors. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds each vector that is not a near-duplicate, in input order: vector i is rejected when its cosine
   * with any kept vector is strictly greater than the threshold — vectors kept before this call and
   * vectors of this batch kept before i alike. Equal to the threshold is kept.
   */
  async addIfNovel(vectors: VectorBatchInput): Promise<DedupBatchResult> {
    this.#assertUsable();
    const { data, count } = toVectorBatch(vectors, this.dimensions, this.normalize, 'vectors');
    const result: DedupBatchResult = { kept: [], ids: [], duplicateOf: [], similarity: [] };
    if (count === 0) return result;
    const D = this.dimensions;
    const K = CHECKPOINT_COUNT;
    const threshold = this.threshold;
    const auditFloor = threshold - this.#audit.margin;
    const auditCeiling = threshold + this.#audit.margin;
    const queryTails = new Float64Array(count * K);
    computeTailNorms(data, D, this.#cuts, 0, count, queryTails, 0);
    this.#ensureCapacity(this.#size + count);
    const batchStart = this.#size;
    const graph = this.#graph;
    // The graph holds what was kept before this call; this batch's own kept vectors are scanned exactly.
    const scanFrom = graph ? batchStart : 0;
    // Vectors stored before this call do not depend on this batch's decisions: large batches compare
    // with them all at once by GEMM; the blocks below then only scan this batch's own kept vectors.
    const prescan = graph ? undefined : await this.#prescanWithGemm(data, queryTails, count, batchStart);
    this.#assertUsable();
    const { hitId, hitSimilarity, bestId, bestSimilarity, active } = this.#buffers;
    const keptRows: number[] = [];

    for (let blockStart = 0; blockStart < count; blockStart += QUERY_BLOCK) {
      const blockSize = Math.min(QUERY_BLOCK, count - blockStart);
      const queries = data.subarray(blockStart * D, (blockStart + blockSize) * D);
      const tails = queryTails.subarray(blockStart * K, (blockStart + blockSize) * K);
      hitId.fill(-1);
      bestId.fill(-1);
      bestSimilarity.fill(Number.NEGATIVE_INFINITY);
      if (prescan) {
        for (let i = 0; i < blockSize; i++) {
          hitId[i] = prescan.hitId[blockStart + i]!;
          hitSimilarity[i] = prescan.hitSimilarity[blockStart + i]!;
          bestId[i] = prescan.bestId[blockStart + i]!;
          bestSimilarity[i] = prescan.bestSimilarity[blockStart + i]!;
        }
      }
      let activeCount = 0;
      for (let i = 0; i < blockSize; i++) {
        if (hitId[i] !== -1) continue;
        if (graph && batchStart > 0) {
          const found = graph.search(queries, i, 1);
          const id = found.ids[0];
          const similarity = found.similarities[0];
          if (id !== undefined && similarity !== undefined) {
            bestId[i] = id;
            bestSimilarity[i] = similarity;
            if (similarity > threshold) {
              hitId[i] = id;
              hitSimilarity[i] = similarity;
              continue;
            }
          }
        }
        active[activeCount++] = i;
      }
      scanForDuplicates(
        this.#data,
        this.#tails,
        D,
        this.#cuts,
        // With a prescan, this batch's own kept vectors are compared below through its Gram matrix.
        prescan ? this.#size : scanFrom,
        this.#size,
        queries,
        tails,
        activeCount,
        threshold,
        this.#pruneBelow,
        this.#buffers,
      );
      // Within the batch, in order: each survivor against the vectors kept before it — of this block, or
      // with a prescan of the whole batch so far, skipping pairs its Gram-matrix bound rules out.
      const blockKeptFrom = keptRows.length;
      for (let i = 0; i < blockSize; i++) {
        if (hitId[i] === -1) {
          const query = blockStart + i;
          for (let k = prescan ? 0 : blockKeptFrom; k < keptRows.length; k++) {
            const row = keptRows[k]!;
            if (prescan) {
              const bound =
                prescan.gram[query * count + row]! + queryTails[query * K]! * queryTails[row * K]!;
              if (bound + GEMM_ROUNDING_MARGIN <= this.#pruneBelow) continue;
            }
            const similarity = dotAt(data, query, data, row, D);
            const id = batchStart + k;
            if (similarity > bestSimilarity[i]!) {
              bestSimilarity[i] = similarity;
              bestId[i] = id;
            }
            if (similarity > threshold) {
              hitId[i] = id;
              hitSimilarity[i] = similarity;
              break;
            }
          }
        }
        const sequence = this.#sequence + blockStart + i;
        if (hitId[i] === -1) {
          const id = this.#size++;
          this.#data.set(queries.subarray(i * D, (i + 1) * D), id * D);
          this.#tails.set(tails.subarray(i * K, (i + 1) * K), id * K);
          keptRows.push(blockStart + i);
          const best = bestSimilarity[i]!;
          const near = best >= auditFloor;
          result.kept.push(true);
          result.ids.push(id);
          result.duplicateOf.push(null);
          result.similarity.push(near ? best : null);
          if (near)
            this.#audit.record({ sequence, kept: true, id, neighborId: bestId[i]!, similarity: best });
        } else {
          const similarity = hitSimilarity[i]!;
          result.kept.push(false);
          result.ids.push(null);
          result.duplicateOf.push(hitId[i]!);
          result.similarity.push(similarity);
          if (similarity <= auditCeiling) {
            this.#audit.record({ sequence, kept: false, id: null, neighborId: hitId[i]!, similarity });
          }
        }
      }
    }
    this.#sequence += count;
    if (graph) for (let id = batchStart; id < this.#size; id++) graph.add(this.#data, id, id);
    return result;
  }

  /** Adds vectors without checking for duplicates; returns their ids. */
  add(vectors: VectorBatchInput): number[] {
    this.#assertUsable();
    const { data, count } = toVectorBatch(vectors, this.dimensions, this.normalize, 'vectors');
    this.#ensureCapacity(this.#size + count);
    const first = this.#size;
    this.#data.set(data.subarray(0, count * this.dimensions), first * this.dimensions);
    computeTailNorms(this.#data, this.dimensions, this.#cuts, first, count, this.#tails, first);
    this.#size += count;
    const ids: number[] = [];
    for (let id = first; id < this.#size; id++) {
      this.#graph?.add(this.#data, id, id);
      ids.push(id);
    }
    return ids;
  }

  /**
   * The `k` stored vectors most similar to `vector`, most similar first (ties by lower id). Exact mode
   * scans everything; approximate mode searches the graph with ef = max(efSearch, k).
   */
  nearest(vector: Float32Array, k: number, options: NearestOptions = {}): Neighbor[] {
    this.#assertUsable();
    requireInteger('k', k, 1);
    const { data } = toVectorBatch(vector, this.dimensions, this.normalize, 'vector');
    if (data.length !== this.dimensions) {
      throw new InvalidArgumentError({
        argument: 'vector',
        value: data.length,
        message: `expected one vector of ${this.dimensions} dimensions.`,
      });
    }
    const limit = Math.min(k, this.#size);
    if (limit === 0) return [];
    if (this.#graph && !options.exact) {
      const { ids, similarities } = this.#graph.search(data, 0, limit);
      return ids
        .map((id, i) => ({ id, similarity: similarities[i]! }))
        .sort((a, b) => b.similarity - a.similarity || a.id - b.id);
    }
    const similarities = new Float64Array(this.#size);
    similaritiesToAll(this.#data, this.dimensions, this.#size, data, 0, similarities);
    return topK(similarities, limit);
  }

  /** A copy of the stored vector with this id. */
  vector(id: number): Float32Array {
    this.#assertUsable();
    if (!Number.isInteger(id) || id < 0 || id >= this.#size) {
      throw new InvalidArgumentError({
        argument: 'id',
        value: id,
        message: `expected an id in [0, ${this.#size}).`,
      });
    }
    return this.#data.slice(id * this.dimensions, (id + 1) * this.dimensions);
  }

  /**
   * All stored vectors, row = id, as a view without a copy (size × dimensions). Read it, do not write it;
   * it is replaced when the index grows.
   */
  vectors(): Float32Array {
    this.#assertUsable();
    return this.#data.subarray(0, this.#size * this.dimensions);
  }

  /**
   * `addIfNovel` decisions whose deciding similarity was within ±`margin` of the threshold (rejections
   * just above it, kept vectors whose best match was just below it), as a bounded uniform sample — for a
   * person to read the pairs and judge the threshold. `margin` may not exceed the `audit.margin` the index
   * was created with (default 0.05), since nothing wider was recorded.
   */
  nearThresholdPairs(options: { margin?: number } = {}): NearThresholdReport {
    this.#assertUsable();
    const margin = options.margin ?? this.#audit.margin;
    if (typeof margin !== 'number' || !(margin >= 0 && margin <= this.#audit.margin)) {
      throw new InvalidArgumentError({
        argument: 'margin',
        value: margin,
        message: `expected 0..${this.#audit.margin}: only decisions within the index's audit.margin (${this.#audit.margin}) were recorded. Create the index with a larger \`audit.margin\` to see more.`,
      });
    }
    return this.#audit.report(this.threshold, margin);
  }

  /**
   * Writes the index to `path` atomically (temporary file, fsync, rename). In approximate mode the HNSW
   * graph goes to `${path}.hnsw` (hnswlib's own format) first, so loading does not rebuild it. Aborting
   * rejects with `CancelledError` and leaves any existing file untouched.
   */
  async save(path: string, options: { abortSignal?: AbortSignal } = {}): Promise<void> {
    this.#assertUsable();
    const { abortSignal } = options;
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    let hnswFile: string | null = null;
    if (this.#graph) {
      hnswFile = `${basename(path)}.hnsw`;
      const graphPath = join(dirname(path), hnswFile);
      const temporary = temporaryPathFor(graphPath);
      try {
        await this.#graph.write(temporary);
        await rename(temporary, graphPath);
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => {});
        throw new TonekitError({ message: `Could not save the HNSW graph to ${graphPath}.`, cause: error });
      }
    }
    const audit = this.#audit.state();
    await writeDedupFile(
      path,
      {
        dimensions: this.dimensions,
        size: this.#size,
        threshold: this.threshold,
        normalize: this.normalize,
        approximate: this.approximate,
        hnswFile,
        sequence: this.#sequence,
        audit: { margin: this.#audit.margin, limit: this.#audit.limit, ...audit },
      },
      this.#data,
      abortSignal,
    );
  }

  /**
   * Reads an index written by `save`, validating the file (magic, header, size, CRC-32). In approximate
   * mode the saved graph is used when it is present and matches; otherwise it is rebuilt from the vectors.
   */
  static async load(path: string, options: { abortSignal?: AbortSignal } = {}): Promise<DedupIndex> {
    const { abortSignal } = options;
    const { header, data } = await readDedupFile(path, (size) => Math.max(1024, size), abortSignal);
    const audit = new NearThresholdAudit(header.audit.margin, header.audit.limit, header.audit);
    let graph: HnswGraph | undefined;
    if (header.approximate) {
      if (header.hnswFile) {
        try {
          const saved = await HnswGraph.read(
            join(dirname(path), header.hnswFile),
            header.dimensions,
            header.approximate,
          );
          if (saved.count === header.size) graph = saved;
        } catch (error) {
          // The addon failing to load is fatal; a missing or unreadable graph file is rebuilt below.
          if (TonekitError.isInstance(error)) throw error;
        }
      }
      if (!graph) {
        graph = await HnswGraph.create(header.dimensions, header.approximate, Math.max(1024, header.size));
        for (let id = 0; id < header.size; id++) {
          if (id % 4096 === 0 && abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
          graph.add(data, id, id);
        }
      }
    }
    return new DedupIndex({
      dimensions: header.dimensions,
      threshold: header.threshold,
      normalize: header.normalize,
      capacity: data.length / header.dimensions,
      approximate: header.approximate,
      audit,
      data,
      size: header.size,
      sequence: header.sequence,
      graph,
    });
  }

  /** Releases the vectors and the graph; the index cannot be used afterwards. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#data = new Float32Array(0);
    this.#tails = new Float64Array(0);
    this.#capacity = 0;
    this.#size = 0;
    // hnswlib-node frees the native graph when the wrapper is garbage-collected.
    this.#graph = undefined;
    this.#prefix = new Float32Array(0);
    this.#prefixRows = 0;
    const scorer = this.#scorer;
    this.#scorer = null;
    // Releasing the onnxruntime session is async; nothing waits on it and a failure cannot matter.
    if (scorer) void scorer.dispose().catch(() => {});
  }

  async [asyncDispose](): Promise<void> {
    this.dispose();
  }

  #assertUsable(): void {
    if (this.#disposed) throw new TonekitError({ message: 'This DedupIndex was disposed.' });
  }

  /**
   * Compares the whole batch with stored vectors `[0, to)` by GEMM when that is worth a native call
   * (at least `GEMM_MIN_PAIRS` pairs); `undefined` leaves the scan to the JavaScript kernel.
   */
  async #prescanWithGemm(
    queries: Float32Array,
    queryTails: Float64Array,
    count: number,
    to: number,
  ): Promise<(ScanBuffers & { gram: Float32Array }) | undefined> {
    if (this.#scorer === null || count * to < GEMM_MIN_PAIRS) return undefined;
    if (this.#scorer === undefined) {
      try {
        this.#scorer = await createGemmScorer();
      } catch {
        // onnxruntime-node is an optional accelerator: without it the JavaScript kernel gives the same result.
        this.#scorer = null;
        return undefined;
      }
    }
    const P = this.#cuts[0]!;
    const D = this.dimensions;
    if (this.#prefix.length < this.#capacity * P) {
      const grown = new Float32Array(this.#capacity * P);
      grown.set(this.#prefix.subarray(0, this.#prefixRows * P));
      this.#prefix = grown;
    }
    for (; this.#prefixRows < to; this.#prefixRows++) {
      const row = this.#prefixRows;
      this.#prefix.set(this.#data.subarray(row * D, row * D + P), row * P);
    }
    const queryPrefix = new Float32Array(count * P);
    for (let i = 0; i < count; i++) queryPrefix.set(queries.subarray(i * D, i * D + P), i * P);
    const scorer = this.#scorer;
    // Prefix dot products of the batch with itself, for the in-batch comparisons.
    const gram = await scorer.scores(queryPrefix, count, queryPrefix, count, P);
    const buffers: ScanBuffers = {
      hitId: new Int32Array(count).fill(-1),
      hitSimilarity: new Float64Array(count),
      bestId: new Int32Array(count).fill(-1),
      bestSimilarity: new Float64Array(count).fill(Number.NEGATIVE_INFINITY),
      active: Int32Array.from({ length: count }, (_, i) => i),
    };
    await scanForDuplicatesWithGemm({
      scorer,
      store: this.#data,
      storePrefix: this.#prefix,
      storeTails: this.#tails,
      dimensions: D,
      prefixDimensions: P,
      from: 0,
      to,
      queries,
      queryPrefix,
      queryTails,
      activeCount: count,
      threshold: this.threshold,
      pruneBelow: this.#pruneBelow,
      buffers,
    });
    return { ...buffers, gram };
  }

  #ensureCapacity(needed: number): void {
    if (needed <= this.#capacity) return;
    const capacity = Math.max(needed, this.#capacity * 2);
    const data = new Float32Array(capacity * this.dimensions);
    data.set(this.#data.subarray(0, this.#size * this.dimensions));
    const tails = new Float64Array(capacity * CHECKPOINT_COUNT);
    tails.set(this.#tails.subarray(0, this.#size * CHECKPOINT_COUNT));
    this.#data = data;
    this.#tails = tails;
    this.#capacity = capacity;
  }
}

function requireInteger(argument: string, value: unknown, minimum: number): void {
  if (!Number.isSafeInteger(value) || (value as number) < minimum) {
    throw new InvalidArgumentError({ argument, value, message: `expected an integer >= ${minimum}.` });
  }
}

function resolveAudit(audit: CreateDedupIndexOptions['audit']): NearThresholdAudit {
  const margin = audit?.margin ?? 0.05;
  if (typeof margin !== 'number' || !(margin >= 0 && margin <= 2)) {
    throw new InvalidArgumentError({
      argument: 'audit.margin',
      value: margin,
      message: 'expected a number in [0, 2].',
    });
  }
  const limit = audit?.limit ?? 1000;
  requireInteger('audit.limit', limit, 0);
  return new NearThresholdAudit(margin, limit);
}

/** Indices of the `k` largest values, largest first, ties by lower index (a bounded min-heap). */
function topK(values: Float64Array, k: number): Neighbor[] {
  const heap = new Int32Array(k);
  let size = 0;
  // "a is worse than b": smaller value, or equal value and larger index.
  const worse = (a: number, b: number) => values[a]! < values[b]! || (values[a] === values[b] && a > b);
  const siftDown = (start: number) => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < size && worse(heap[left]!, heap[worst]!)) worst = left;
      if (right < size && worse(heap[right]!, heap[worst]!)) worst = right;
      if (worst === i) return;
      const swap = heap[i]!;
      heap[i] = heap[worst]!;
      heap[worst] = swap;
      i = worst;
    }
  };
  for (let index = 0; index < values.length; index++) {
    if (size < k) {
      let i = size++;
      heap[i] = index;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(heap[i]!, heap[parent]!)) break;
        const swap = heap[i]!;
        heap[i] = heap[parent]!;
        heap[parent] = swap;
        i = parent;
      }
    } else if (worse(heap[0]!, index)) {
      heap[0] = index;
      siftDown(0);
    }
  }
  return Array.from(heap.subarray(0, size), (id) => ({ id, similarity: values[id]! })).sort(
    (a, b) => b.similarity - a.similarity || a.id - b.id,
  );
}
