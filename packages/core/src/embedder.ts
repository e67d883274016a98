/** Options of one embedding call. */
export interface EmbedOptions {
  /** At most `maxBatchSize` values; callers split larger inputs. */
  values: string[];
  abortSignal?: AbortSignal;
}

/** What one embedding call returns. */
export interface EmbedResult {
  /** One vector of length `dimensions` per value, in the order of `values`. */
  embeddings: Float32Array[];
  usage?: { tokens: number };
}

/**
 * A text embedding model, version 1 of the specification. Implemented by the embeddings package
 * (transformers.js, onnxruntime-node) and by API providers; consumed by dedup and the evaluator.
 */
export interface Embedder {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  readonly modelId: string;
  /** Length of every returned vector; known up front so indexes and Arrow columns can be sized. */
  readonly dimensions: number;
  /** Largest `values.length` that `doEmbed` accepts; implementations reject larger batches. */
  readonly maxBatchSize: number;
  doEmbed(options: EmbedOptions): Promise<EmbedResult>;
}
