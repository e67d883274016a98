export {
  type CreateDedupIndexOptions,
  createDedupIndex,
  DEFAULT_DEDUP_THRESHOLD,
  type DedupBatchResult,
  DedupIndex,
  type NearestOptions,
  type Neighbor,
} from './dedup-index.js';
export type { HnswOptions, ResolvedHnswOptions } from './hnsw-graph.js';
export type { NearThresholdPair, NearThresholdReport } from './near-threshold-audit.js';
export type { VectorBatchInput } from './vector-batch.js';
