import { CancelledError, type Embedder, InvalidArgumentError } from '@tonekit/core';
import { cosineSimilarity } from './cosine-similarity.js';
import { requireTexts } from './require-texts.js';

export interface EmbeddingSimilarityOptions {
  /** Any core v1 embedder (seed A: gte-modernbert-base, CLS pooling, normalized). */
  embedder: Embedder;
  responses: readonly string[];
  /** One reference per response, in the same order. */
  references: readonly string[];
  abortSignal?: AbortSignal;
}

export interface EmbeddingSimilarityResult {
  /** Mean cosine over the pairs. */
  mean: number;
  /** Cosine of each response with its reference, in order (for bootstrap intervals). */
  cosines: number[];
  /** `embedder.modelId`, for `settings.embedderModel`. */
  modelId: string;
}

/**
 * Seed A's similarity: the cosine of the embeddings of each response and its reference, and the mean.
 * Each distinct text is embedded once (a response equal to its reference costs one embedding), in
 * batches of `embedder.maxBatchSize`, one batch at a time.
 */
export async function embeddingSimilarity({
  embedder,
  responses,
  references,
  abortSignal,
}: EmbeddingSimilarityOptions): Promise<EmbeddingSimilarityResult> {
  requireTexts(responses, 'responses');
  requireTexts(references, 'references');
  if (references.length !== responses.length) {
    throw new InvalidArgumentError({
      argument: 'references',
      value: references.length,
      message: `expected ${responses.length} references (one per response), got ${references.length}.`,
    });
  }
  const batchSize = embedder.maxBatchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError({
      argument: 'embedder.maxBatchSize',
      value: batchSize,
      message: 'expected an integer >= 1.',
    });
  }

  const index = new Map<string, number>();
  const texts: string[] = [];
  for (const text of [...responses, ...references]) {
    if (!index.has(text)) {
      index.set(text, texts.length);
      texts.push(text);
    }
  }

  const vectors: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
    const values = texts.slice(start, start + batchSize);
    const { embeddings } = await embedder.doEmbed({ values, abortSignal });
    if (embeddings.length !== values.length) {
      throw new InvalidArgumentError({
        argument: 'embedder',
        value: embedder.modelId,
        message: `${embedder.provider}/${embedder.modelId} returned ${embeddings.length} embeddings for ${values.length} texts.`,
      });
    }
    for (const embedding of embeddings) {
      if (embedding.length !== embedder.dimensions) {
        throw new InvalidArgumentError({
          argument: 'embedder',
          value: embedder.modelId,
          message: `${embedder.provider}/${embedder.modelId} returned a vector of ${embedding.length} dimensions; it declares ${embedder.dimensions}.`,
        });
      }
      vectors.push(embedding);
    }
  }
  if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);

  const cosines = responses.map((response, i) =>
    cosineSimilarity(vectors[index.get(response)!]!, vectors[index.get(references[i]!)!]!),
  );
  let sum = 0;
  for (const cosine of cosines) sum += cosine;
  return { mean: sum / cosines.length, cosines, modelId: embedder.modelId };
}
