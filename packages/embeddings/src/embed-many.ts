import {
  CancelledError,
  type Embedder,
  type EmbedResult,
  InvalidArgumentError,
  type OnEvent,
  TonekitError,
} from '@tonekit/core';
import type { EmbedProgressEvent } from './embedding-events.js';

export interface EmbedManyOptions {
  /** Values per `doEmbed` call. Defaults to the embedder's `maxBatchSize`; smaller gives finer progress. */
  batchSize?: number;
  /**
   * Group values of similar length into the same call (by character count), so local models pad less.
   * Results are returned in input order either way. Defaults to true.
   */
  sortByLength?: boolean;
  onEvent?: OnEvent<EmbedProgressEvent>;
  /** Checked between calls and passed to each call. */
  abortSignal?: AbortSignal;
}

/**
 * Embeds any number of values with any `Embedder`, one `doEmbed` call at a time, each within the
 * embedder's `maxBatchSize`. Returns the vectors in the order of `values`; `usage` is summed when every
 * call reported it.
 */
export async function embedMany(
  embedder: Embedder,
  values: readonly string[],
  options: EmbedManyOptions = {},
): Promise<EmbedResult> {
  const { sortByLength = true, onEvent, abortSignal } = options;
  const batchSize = options.batchSize ?? embedder.maxBatchSize;
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= embedder.maxBatchSize)) {
    throw new InvalidArgumentError({
      argument: 'batchSize',
      value: batchSize,
      message: `expected an integer from 1 to the embedder's maxBatchSize (${embedder.maxBatchSize}).`,
    });
  }
  if (!Array.isArray(values)) {
    throw new InvalidArgumentError({
      argument: 'values',
      value: values,
      message: 'expected an array of strings.',
    });
  }
  const order = values.map((_, index) => index);
  if (sortByLength) order.sort((a, b) => values[a]!.length - values[b]!.length);

  const embeddings = new Array<Float32Array>(values.length);
  let tokens: number | undefined = 0;
  onEvent?.({ type: 'embed-progress', done: 0, total: values.length, timestamp: Date.now() });
  for (let start = 0; start < order.length; start += batchSize) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    const indices = order.slice(start, start + batchSize);
    const result = await embedder.doEmbed({
      values: indices.map((index) => values[index]!),
      ...(abortSignal === undefined ? {} : { abortSignal }),
    });
    if (result.embeddings.length !== indices.length) {
      throw new TonekitError({
        message: `${embedder.provider} ${embedder.modelId} returned ${result.embeddings.length} embeddings for ${indices.length} values.`,
      });
    }
    indices.forEach((index, position) => {
      embeddings[index] = result.embeddings[position]!;
    });
    tokens = tokens === undefined || result.usage === undefined ? undefined : tokens + result.usage.tokens;
    onEvent?.({
      type: 'embed-progress',
      done: Math.min(start + batchSize, values.length),
      total: values.length,
      timestamp: Date.now(),
    });
  }
  return tokens === undefined ? { embeddings } : { embeddings, usage: { tokens } };
}
