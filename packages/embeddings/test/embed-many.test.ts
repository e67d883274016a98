import { CancelledError, type Embedder, InvalidArgumentError, TonekitError } from '@tonekit/core';
import { createMockEmbedder, hashToUnitVector } from '@tonekit/test-kit';
import { describe, expect, it } from 'vitest';
import { type EmbedProgressEvent, embedMany } from '../src/index.js';

const values = Array.from({ length: 23 }, (_, index) => `${'word '.repeat((index * 7) % 11)}value ${index}`);

describe('embedMany', () => {
  it('splits into maxBatchSize calls, groups similar lengths and returns vectors in input order', async () => {
    const embedder = createMockEmbedder({ maxBatchSize: 5 });
    const events: EmbedProgressEvent[] = [];
    const { embeddings, usage } = await embedMany(embedder, values, {
      onEvent: (event) => events.push(event),
    });
    expect(embeddings).toEqual(values.map((value) => hashToUnitVector(value, 64)));
    expect(embedder.calls.map((call) => call.values.length)).toEqual([5, 5, 5, 5, 3]);
    const lengths = embedder.calls.flatMap((call) => call.values.map((value) => value.length));
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(events.map(({ done, total }) => [done, total])).toEqual([
      [0, 23],
      [5, 23],
      [10, 23],
      [15, 23],
      [20, 23],
      [23, 23],
    ]);
    const words = values.reduce((sum, value) => sum + value.split(/\s+/).filter(Boolean).length, 0);
    expect(usage).toEqual({ tokens: words });
  });

  it('keeps input order within calls with sortByLength: false, and honors a smaller batchSize', async () => {
    const embedder = createMockEmbedder({ maxBatchSize: 10 });
    const { embeddings } = await embedMany(embedder, values, { batchSize: 4, sortByLength: false });
    expect(embeddings).toEqual(values.map((value) => hashToUnitVector(value, 64)));
    expect(embedder.calls.flatMap((call) => call.values)).toEqual(values);
    expect(embedder.calls.every((call) => call.values.length <= 4)).toBe(true);
  });

  it('makes no call for no values', async () => {
    const embedder = createMockEmbedder();
    expect(await embedMany(embedder, [])).toEqual({ embeddings: [], usage: { tokens: 0 } });
    expect(embedder.calls).toHaveLength(0);
  });

  it('rejects a batchSize above the embedder maxBatchSize', async () => {
    const embedder = createMockEmbedder({ maxBatchSize: 8 });
    await expect(embedMany(embedder, values, { batchSize: 9 })).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error) && error.argument === 'batchSize',
    );
  });

  it('stops between calls when aborted', async () => {
    const embedder = createMockEmbedder({ maxBatchSize: 5 });
    const controller = new AbortController();
    const error = await embedMany(embedder, values, {
      abortSignal: controller.signal,
      onEvent: (event) => {
        if (event.done === 10) controller.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(embedder.calls).toHaveLength(2);
  });

  it('leaves usage out when a call does not report it, and rejects a wrong number of vectors', async () => {
    const base = createMockEmbedder({ maxBatchSize: 50 });
    const withoutUsage: Embedder = {
      ...base,
      doEmbed: async (options) => ({ embeddings: (await base.doEmbed(options)).embeddings }),
    };
    expect((await embedMany(withoutUsage, values)).usage).toBeUndefined();
    const short: Embedder = { ...base, doEmbed: async () => ({ embeddings: [] }) };
    await expect(embedMany(short, values)).rejects.toSatisfy((error) => TonekitError.isInstance(error));
  });
});
