/** Options of one token-embedding call. */
export interface EmbedTokensOptions {
  /** At most `maxBatchSize` values; callers split larger inputs. */
  values: string[];
  abortSignal?: AbortSignal;
}

/** The contextual token vectors of one text. */
export interface TokenEmbedding {
  /** Token ids in sequence order, the special tokens the tokenizer adds included. */
  tokenIds: number[];
  /**
   * The vectors, row-major: token `i` is `vectors.subarray(i * dimensions, (i + 1) * dimensions)`. One
   * flat array rather than one per token, because a long text has hundreds of tokens and scorers walk
   * them all.
   */
  vectors: Float32Array;
  /**
   * `true` for the special tokens that framing adds ([CLS]/[SEP], `<s>`/`</s>`), one flag per token.
   * Token-level metrics give them weight 0 (BERTScore does), yet they stay in `vectors` because they
   * are still matched against.
   */
  special: boolean[];
}

/** What one token-embedding call returns. */
export interface EmbedTokensResult {
  /** One entry per value, in the order of `values`. */
  embeddings: TokenEmbedding[];
  usage?: { tokens: number };
}

/**
 * A model that returns one contextual vector per token, version 1 of the specification. Implemented by
 * the embeddings package (transformers.js, onnxruntime-node); consumed by token-level metrics such as
 * BERTScore in the evaluator, which never needs to know how the vectors were made.
 */
export interface TokenEmbedder {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  /** Hub id or name of the model, reported with scores (`metrics.json` `settings.bertScoreModel`). */
  readonly modelId: string;
  /** Length of every token vector. */
  readonly dimensions: number;
  /** Largest `values.length` that `doEmbedTokens` accepts; implementations reject larger batches. */
  readonly maxBatchSize: number;
  doEmbedTokens(options: EmbedTokensOptions): Promise<EmbedTokensResult>;
}
