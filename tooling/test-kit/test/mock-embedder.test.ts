import { CancelledError, InvalidArgumentError } from '@tonekit/core';
import { createMockEmbedder, hashToUnitVector } from '@tonekit/test-kit';
import { describe, expect, it } from 'vitest';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);

describe('hashToUnitVector', () => {
  it('gives the same unit vector for the same text', () => {
    const first = hashToUnitVector('What is the capital of France?', 64);
    const second = hashToUnitVector('What is the capital of France?', 64);
    expect(first).toEqual(second);
    expect(first).toHaveLength(64);
    expect(dot(first, first)).toBeCloseTo(1, 5);
  });

  it('gives nearly orthogonal vectors for different texts', () => {
    const texts = Array.from({ length: 50 }, (_, index) => `question number ${index}`);
    const vectors = texts.map((text) => hashToUnitVector(text, 64));
    let largest = 0;
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < vectors.length; i++) {
      for (let j = i + 1; j < vectors.length; j++) {
        const cosine = dot(vectors[i]!, vectors[j]!);
        largest = Math.max(largest, Math.abs(cosine));
        sum += cosine;
        pairs++;
      }
    }
    // Random directions in 64-d: |cosine| has a standard deviation of 1/8; never near a 0.8 threshold.
    expect(largest).toBeLessThan(0.6);
    expect(Math.abs(sum / pairs)).toBeLessThan(0.05);
  });

  it('supports odd dimensions and rejects invalid ones', () => {
    const vector = hashToUnitVector('x', 3);
    expect(vector).toHaveLength(3);
    expect(dot(vector, vector)).toBeCloseTo(1, 5);
    expect(() => hashToUnitVector('x', 0)).toThrow(InvalidArgumentError);
  });
});

describe('createMockEmbedder', () => {
  it('is a v1 Embedder that embeds each value with the hash embedding by default', async () => {
    const embedder = createMockEmbedder({ dimensions: 16 });
    expect([embedder.specificationVersion, embedder.dimensions, embedder.maxBatchSize]).toEqual([
      'v1',
      16,
      32,
    ]);
    const { embeddings, usage } = await embedder.doEmbed({ values: ['a b', 'c', 'a b'] });
    expect(embeddings).toHaveLength(3);
    expect(embeddings[0]).toEqual(hashToUnitVector('a b', 16));
    expect(embeddings[2]).toEqual(embeddings[0]);
    expect(embeddings[1]).not.toEqual(embeddings[0]);
    expect(usage).toEqual({ tokens: 5 });
    expect(embedder.calls).toEqual([{ values: ['a b', 'c', 'a b'] }]);
  });

  it('uses a custom embed function', async () => {
    const embedder = createMockEmbedder({ dimensions: 2, embed: (text) => [text.length, 1] });
    const { embeddings } = await embedder.doEmbed({ values: ['abc'] });
    expect(Array.from(embeddings[0]!)).toEqual([3, 1]);
  });

  it('rejects a batch larger than maxBatchSize', async () => {
    const embedder = createMockEmbedder({ maxBatchSize: 2 });
    const error = await embedder.doEmbed({ values: ['a', 'b', 'c'] }).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('values');
    await expect(embedder.doEmbed({ values: ['a', 'b'] })).resolves.toBeDefined();
  });

  it('rejects an embed function that returns the wrong length', async () => {
    const embedder = createMockEmbedder({ dimensions: 4, embed: () => [1, 2] });
    await expect(embedder.doEmbed({ values: ['x'] })).rejects.toThrow(
      'returned 2 values for a 4-dimension embedder',
    );
  });

  it('honors abortSignal, also during latency', async () => {
    const embedder = createMockEmbedder({ latencyMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    const error = await embedder
      .doEmbed({ values: ['x'], abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(CancelledError.isInstance(error)).toBe(true);
  });

  it('rejects invalid settings', () => {
    expect(() => createMockEmbedder({ dimensions: 0 })).toThrow('Invalid argument `dimensions`');
    expect(() => createMockEmbedder({ maxBatchSize: 1.5 })).toThrow('Invalid argument `maxBatchSize`');
  });
});
