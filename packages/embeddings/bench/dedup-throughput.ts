/**
 * Throughput of the dedup index on synthetic 768-d unit vectors: random directions where about 1 in 4
 * vectors is a near-duplicate of an earlier one (cosine drawn uniformly from 0.7–0.95, so some fall on each
 * side of the 0.8 threshold).
 *
 * 1. Exact dedup of the first 10,000 and 100,000 vectors, fed in batches, single thread.
 * 2. The peer, measured in the same run on a subset (default the first 5,000): a naive JS double loop with
 *    a per-pair cosine function (dot and both norms with Math.sqrt), `kept.some(...)` early exit. The index
 *    is timed on the same subset; both times and the ratio are printed, and the decisions are compared.
 * 3. Approximate (HNSW, hnswlib-node) dedup of `--ann-size` vectors: build time, per-query time, peak RSS,
 *    and recall of true duplicates. Ground truth for recall is exact and costly, so it is computed for a
 *    uniform sample of `--recall-queries` items: for each sampled item, an exact scan over everything the
 *    approximate index had kept when that item arrived tells whether a kept vector exceeded the threshold;
 *    recall = share of those the HNSW search also caught. `--ann-time-limit` stops the build early (the
 *    report then says how many vectors were processed; nothing is extrapolated).
 *
 * Usage: npx tsx packages/embeddings/bench/dedup-throughput.ts [--ann-size 1000000] [--ann-time-limit 900]
 *   [--exact-sizes 10000,100000] [--naive-size 5000] [--batch 256] [--ann-batch 1000] [--M 16]
 *   [--ef-construction 100] [--ef-search 64] [--recall-queries 2000] [--skip-exact] [--skip-ann]
 *   [--intrinsic-dimensions 64]   (fresh vectors from a random low-dimensional subspace instead of isotropic)
 *   [--baseline-cosine 0.5]       (unrelated vectors share a mean direction, as real embeddings do)
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  CHECKPOINT_COUNT,
  checkpointCuts,
  computeTailNorms,
  scanForDuplicates,
} from '../src/dedup/dot-kernel.js';
import { createDedupIndex, type DedupIndex } from '../src/dedup/index.js';
import { clusteredUnitVectors, createRandom } from '../src/dedup/synthetic-vectors.js';

const DIMENSIONS = 768;
const THRESHOLD = 0.8;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const exactSizesArg = process.argv.indexOf('--exact-sizes');
const exactSizes =
  exactSizesArg >= 0 ? process.argv[exactSizesArg + 1]!.split(',').map(Number) : [10_000, 100_000];
const naiveSize = option('naive-size', 5_000);
const batchSize = option('batch', 256);
const annSize = option('ann-size', 1_000_000);
const annBatch = option('ann-batch', 1000);
const annTimeLimit = option('ann-time-limit', Number.POSITIVE_INFINITY);
const M = option('M', 16);
const efConstruction = option('ef-construction', 100);
const efSearch = option('ef-search', 64);
const recallQueries = option('recall-queries', 2000);
const seed = option('seed', 1);
const intrinsicDimensions = option('intrinsic-dimensions', 0);
const baselineCosine = option('baseline-cosine', 0);

const started = performance.now();
const log = (message: string) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`);
const rssGiB = () => (process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2);
const seconds = (ms: number) => (ms / 1000).toFixed(3);

console.log(
  `dedup benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${DIMENSIONS}-d, threshold ${THRESHOLD}`,
);

function generate(count: number) {
  const t = performance.now();
  const vectors = clusteredUnitVectors({
    count,
    dimensions: DIMENSIONS,
    seed,
    duplicateShare: 0.25,
    cosineRange: [0.7, 0.95],
    intrinsicDimensions,
    baselineCosine,
  });
  let model = intrinsicDimensions > 0 ? `${intrinsicDimensions}-d subspace + 10% noise` : 'isotropic';
  if (baselineCosine > 0) model += `, unrelated pairs at cosine ~${baselineCosine}`;
  log(`generated ${count.toLocaleString('en')} vectors (${model}) in ${seconds(performance.now() - t)} s`);
  return vectors;
}

async function exactDedup(data: Float32Array, count: number): Promise<{ ms: number; kept: boolean[] }> {
  const index = await createDedupIndex({
    dimensions: DIMENSIONS,
    threshold: THRESHOLD,
    initialCapacity: count,
  });
  const kept: boolean[] = [];
  const t = performance.now();
  for (let offset = 0; offset < count; offset += batchSize) {
    const end = Math.min(count, offset + batchSize);
    const result = await index.addIfNovel(data.subarray(offset * DIMENSIONS, end * DIMENSIONS));
    for (const value of result.kept) kept.push(value);
  }
  const ms = performance.now() - t;
  index.dispose();
  return { ms, kept };
}

// The way one would write it without thinking about speed.
function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(normA) * Math.sqrt(normB));
}

function naiveDedup(vectors: Float32Array[]): boolean[] {
  const keptVectors: Float32Array[] = [];
  return vectors.map((vector) => {
    if (keptVectors.some((other) => cosine(vector, other) > THRESHOLD)) return false;
    keptVectors.push(vector);
    return true;
  });
}

async function runExact(): Promise<void> {
  const largest = Math.max(naiveSize, ...exactSizes);
  const { data } = generate(largest);

  // Warm-up so neither side pays for JIT compilation in its timed run.
  await exactDedup(data, 2000);
  naiveDedup(Array.from({ length: 500 }, (_, i) => data.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS)));

  log(`naive double loop on the first ${naiveSize.toLocaleString('en')} …`);
  const subset = Array.from({ length: naiveSize }, (_, i) =>
    data.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS),
  );
  let t = performance.now();
  const naiveKept = naiveDedup(subset);
  const naiveMs = performance.now() - t;
  const indexed = await exactDedup(data, naiveSize);
  const disagreements = naiveKept.filter((kept, i) => kept !== indexed.kept[i]).length;
  const keptCount = naiveKept.filter(Boolean).length;
  console.log(
    `\nSUBSET ${naiveSize.toLocaleString('en')} vectors (${keptCount.toLocaleString('en')} kept): naive ${seconds(naiveMs)} s, index ${seconds(indexed.ms)} s → ${(naiveMs / indexed.ms).toFixed(1)}× faster; decisions differing: ${disagreements}`,
  );

  for (const count of exactSizes) {
    log(`exact dedup of ${count.toLocaleString('en')} in batches of ${batchSize} …`);
    t = performance.now();
    const { ms, kept } = await exactDedup(data, count);
    const keptTotal = kept.filter(Boolean).length;
    console.log(
      `EXACT ${count.toLocaleString('en')} vectors: ${seconds(ms)} s (${Math.round(count / (ms / 1000)).toLocaleString('en')} vectors/s), kept ${keptTotal.toLocaleString('en')}, peak RSS ${rssGiB()} GiB`,
    );
  }
}

async function runApproximate(): Promise<void> {
  // 1,000 extra vectors from the same distribution serve as queries; they are never inserted.
  const { data } = generate(annSize + 1000);
  const index: DedupIndex = await createDedupIndex({
    dimensions: DIMENSIONS,
    threshold: THRESHOLD,
    initialCapacity: annSize,
    approximate: { kind: 'hnsw', M, efConstruction, efSearch },
  });
  log(
    `HNSW dedup (M ${M}, efConstruction ${efConstruction}, efSearch ${efSearch}), batches of ${annBatch} …`,
  );
  // For each item: how many vectors the graph held when its batch started, and what was decided.
  const graphSizeAt = new Int32Array(annSize);
  const duplicateOf = new Int32Array(annSize);
  let processed = 0;
  let nextReport = annSize / 20;
  const t = performance.now();
  while (processed < annSize) {
    const end = Math.min(annSize, processed + annBatch);
    const before = index.size;
    const result = await index.addIfNovel(data.subarray(processed * DIMENSIONS, end * DIMENSIONS));
    for (let i = 0; i < end - processed; i++) {
      graphSizeAt[processed + i] = before;
      duplicateOf[processed + i] = result.duplicateOf[i] ?? -1;
    }
    processed = end;
    const elapsed = performance.now() - t;
    if (processed >= nextReport) {
      log(
        `  ${processed.toLocaleString('en')} processed, ${index.size.toLocaleString('en')} kept, ${Math.round(processed / (elapsed / 1000))} vectors/s, peak RSS ${rssGiB()} GiB`,
      );
      nextReport += annSize / 20;
    }
    if (elapsed / 1000 > annTimeLimit) {
      log(
        `  time limit of ${annTimeLimit} s reached: stopping the build at ${processed.toLocaleString('en')} vectors`,
      );
      break;
    }
  }
  const buildMs = performance.now() - t;
  const rejected = processed - index.size;
  console.log(
    `\nANN build (addIfNovel) of ${processed.toLocaleString('en')} vectors${processed < annSize ? ` (of ${annSize.toLocaleString('en')} requested; stopped by --ann-time-limit)` : ''}: ${seconds(buildMs)} s, ${Math.round(processed / (buildMs / 1000)).toLocaleString('en')} vectors/s, kept ${index.size.toLocaleString('en')}, rejected ${rejected.toLocaleString('en')}, peak RSS ${rssGiB()} GiB`,
  );

  // Query time: top-1 searches of fresh vectors against the finished graph.
  const queries = data.subarray(annSize * DIMENSIONS);
  let q = performance.now();
  for (let i = 0; i < 1000; i++) index.nearest(queries.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS), 1);
  const hnswQueryMs = (performance.now() - q) / 1000;
  q = performance.now();
  for (let i = 0; i < 20; i++)
    index.nearest(queries.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS), 1, { exact: true });
  const exactQueryMs = (performance.now() - q) / 20;
  console.log(
    `ANN query (top-1, ${index.size.toLocaleString('en')} stored): HNSW ${hnswQueryMs.toFixed(3)} ms/query (1,000 queries); exact full scan ${exactQueryMs.toFixed(1)} ms/query (20 queries)`,
  );

  // Recall of true duplicates on a uniform sample of the processed items.
  const random = createRandom(seed + 2);
  const sampleCount = Math.min(recallQueries, processed);
  const picked = new Set<number>();
  while (picked.size < sampleCount) picked.add(Math.floor(random() * processed));
  const sample = [...picked].sort((a, b) => a - b);
  log(`exact ground truth for ${sampleCount.toLocaleString('en')} sampled items …`);
  const g = performance.now();
  const store = index.vectors();
  const storeTails = new Float64Array(index.size * CHECKPOINT_COUNT);
  const cuts = checkpointCuts(DIMENSIONS);
  computeTailNorms(store, DIMENSIONS, cuts, 0, index.size, storeTails, 0);
  const block = 64;
  const buffers = {
    hitId: new Int32Array(block),
    hitSimilarity: new Float64Array(block),
    bestId: new Int32Array(block),
    bestSimilarity: new Float64Array(block),
    active: new Int32Array(block),
  };
  let truePositives = 0;
  let exactDuplicates = 0;
  let hnswOnly = 0;
  for (let start = 0; start < sample.length; start += block) {
    const rows = sample.slice(start, start + block);
    const blockQueries = new Float32Array(rows.length * DIMENSIONS);
    rows.forEach((row, i) => {
      blockQueries.set(data.subarray(row * DIMENSIONS, (row + 1) * DIMENSIONS), i * DIMENSIONS);
    });
    const queryTails = new Float64Array(rows.length * CHECKPOINT_COUNT);
    computeTailNorms(blockQueries, DIMENSIONS, cuts, 0, rows.length, queryTails, 0);
    buffers.hitId.fill(-1);
    buffers.bestSimilarity.fill(Number.NEGATIVE_INFINITY);
    // Rows are sorted, so the first row has the smallest graph: scan that prefix for all of them together,
    // then each row's own remainder.
    const common = graphSizeAt[rows[0]!]!;
    for (let i = 0; i < rows.length; i++) buffers.active[i] = i;
    scanForDuplicates(
      store,
      storeTails,
      DIMENSIONS,
      cuts,
      0,
      common,
      blockQueries,
      queryTails,
      rows.length,
      THRESHOLD,
      THRESHOLD,
      buffers,
    );
    for (let i = 0; i < rows.length; i++) {
      const limit = graphSizeAt[rows[i]!]!;
      if (buffers.hitId[i] === -1 && limit > common) {
        buffers.active[0] = i;
        scanForDuplicates(
          store,
          storeTails,
          DIMENSIONS,
          cuts,
          common,
          limit,
          blockQueries,
          queryTails,
          1,
          THRESHOLD,
          THRESHOLD,
          buffers,
        );
      }
      const exact = buffers.hitId[i] !== -1;
      const found = duplicateOf[rows[i]!]! !== -1 && duplicateOf[rows[i]!]! < limit;
      if (exact) exactDuplicates++;
      if (exact && found) truePositives++;
      if (found && !exact) hnswOnly++;
    }
  }
  console.log(
    `ANN recall of true duplicates: ${truePositives}/${exactDuplicates} = ${(truePositives / Math.max(1, exactDuplicates)).toFixed(4)} (${sampleCount.toLocaleString('en')} sampled items, exact scan against the kept set each saw; ${hnswOnly} HNSW rejections the exact scan does not confirm) — ground truth took ${seconds(performance.now() - g)} s`,
  );
  console.log(`peak RSS of the process: ${rssGiB()} GiB`);
  index.dispose();
}

if (!flag('skip-exact')) await runExact();
if (!flag('skip-ann')) await runApproximate();
