import { CancelledError, type Embedder, type EmbedOptions, InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { cosineSimilarity, embeddingSimilarity } from '../../src/metrics/index.js';

/** A deterministic embedder: letter counts a–d, so cosines are easy to predict. */
function letterEmbedder(maxBatchSize: number, calls: string[][] = []): Embedder {
  return {
    specificationVersion: 'v1',
    provider: 'test',
    modelId: 'letters',
    dimensions: 4,
    maxBatchSize,
    async doEmbed({ values }: EmbedOptions) {
      if (values.length > maxBatchSize) throw new Error('batch too large');
      calls.push([...values]);
      return {
        embeddings: values.map((value) => {
          const vector = new Float32Array(4);
          for (const char of value) {
            const index = 'abcd'.indexOf(char);
            if (index >= 0) vector[index]! += 1;
          }
          return vector;
        }),
      };
    },
  };
}

describe('cosineSimilarity', () => {
  it('is the normalized dot product, 0 for a zero vector', () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 15);
    expect(cosineSimilarity([1, 1], [1, 0])).toBeCloseTo(Math.SQRT1_2, 15);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(InvalidArgumentError);
  });
});

describe('embeddingSimilarity', () => {
  it('embeds each distinct text once, in batches of maxBatchSize, and reports per-pair cosines', async () => {
    const calls: string[][] = [];
    const result = await embeddingSimilarity({
      embedder: letterEmbedder(2, calls),
      responses: ['a', 'ab', 'c', 'a'],
      references: ['a', 'b', 'd', 'b'],
    });
    expect(calls).toEqual([['a', 'ab'], ['c', 'b'], ['d']]);
    expect(result.cosines[0]).toBe(1);
    expect(result.cosines[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(result.cosines[2]).toBe(0);
    expect(result.cosines[3]).toBe(0);
    expect(result.mean).toBeCloseTo((1 + Math.SQRT1_2) / 4, 6);
    expect(result.modelId).toBe('letters');
  });

  it('stops with CancelledError when the signal fires between batches', async () => {
    const controller = new AbortController();
    const embedder = letterEmbedder(1);
    const inner = embedder.doEmbed.bind(embedder);
    embedder.doEmbed = async (options) => {
      const result = await inner(options);
      controller.abort(new Error('user stop'));
      return result;
    };
    const run = embeddingSimilarity({
      embedder,
      responses: ['a', 'b'],
      references: ['c', 'd'],
      abortSignal: controller.signal,
    });
    await expect(run).rejects.toSatisfy((error) => CancelledError.isInstance(error));
  });

  it('rejects mismatched inputs and misbehaving embedders clearly', async () => {
    await expect(
      embeddingSimilarity({ embedder: letterEmbedder(4), responses: ['a'], references: ['a', 'b'] }),
    ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error) && error.argument === 'references');
    const short = letterEmbedder(4);
    short.doEmbed = async () => ({ embeddings: [] });
    await expect(
      embeddingSimilarity({ embedder: short, responses: ['a'], references: ['b'] }),
    ).rejects.toThrow(/returned 0 embeddings for 2 texts/);
  });
});
