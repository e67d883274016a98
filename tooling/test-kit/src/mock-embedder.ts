import { CancelledError, type Embedder, InvalidArgumentError, sleep } from '@tonekit/core';
import { countWords } from './count-words.js';
import { hashToUnitVector } from './hash-to-unit-vector.js';

export interface MockEmbedderSettings {
  provider?: string;
  modelId?: string;
  /** Defaults to 64: enough for unrelated texts to stay far below a 0.8 dedup threshold. */
  dimensions?: number;
  /** Defaults to 32. */
  maxBatchSize?: number;
  /**
   * Embeds one text; must return `dimensions` values. Defaults to `hashToUnitVector`. Supply your own
   * to make chosen texts similar, for example to test near-duplicate detection.
   */
  embed?: (text: string) => Float32Array | number[];
  /** Wait before answering each batch. Defaults to 0. */
  latencyMs?: number;
}

/** An `Embedder` that is deterministic and remembers how it was called. */
export interface MockEmbedder extends Embedder {
  /** The `values` of every `doEmbed` call, in order (rejected calls included). */
  readonly calls: Array<{ values: string[] }>;
}

/**
 * Creates a deterministic embedder for tests. Like a real one it rejects batches larger than
 * `maxBatchSize` (with `InvalidArgumentError`) and honors `abortSignal`; usage counts
 * whitespace-separated words as tokens.
 */
export function createMockEmbedder(settings: MockEmbedderSettings = {}): MockEmbedder {
  const {
    provider = 'mock',
    modelId = 'mock-embedder',
    dimensions = 64,
    maxBatchSize = 32,
    embed = (text: string) => hashToUnitVector(text, dimensions),
    latencyMs = 0,
  } = settings;
  for (const [argument, value] of [
    ['dimensions', dimensions],
    ['maxBatchSize', maxBatchSize],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new InvalidArgumentError({
        argument,
        value,
        message: `expected a positive integer, got ${value}.`,
      });
    }
  }
  const calls: Array<{ values: string[] }> = [];
  return {
    specificationVersion: 'v1',
    provider,
    modelId,
    dimensions,
    maxBatchSize,
    calls,
    async doEmbed({ values, abortSignal }) {
      calls.push({ values: [...values] });
      if (values.length > maxBatchSize) {
        throw new InvalidArgumentError({
          argument: 'values',
          value: values.length,
          message: `${values.length} values exceed maxBatchSize ${maxBatchSize}; split them into batches.`,
        });
      }
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      if (latencyMs > 0) await sleep(latencyMs, abortSignal);
      const embeddings = values.map((text) => {
        const vector = Float32Array.from(embed(text));
        if (vector.length !== dimensions) {
          throw new InvalidArgumentError({
            argument: 'embed',
            value: vector.length,
            message: `returned ${vector.length} values for a ${dimensions}-dimension embedder.`,
          });
        }
        return vector;
      });
      return { embeddings, usage: { tokens: values.reduce((sum, text) => sum + countWords(text), 0) } };
    },
  };
}
