import { asyncDispose, CancelledError, InvalidArgumentError, TonekitError } from '@tonekit/core';
import { createMockLogitSource } from '@tonekit/test-kit';
import { describe, expect, it } from 'vitest';

const words = ['<s>', '</s>', ' hello', ' world', ' hell', 'o', ' ', 'h', 'e', 'l', 'w', 'r', 'd'];

/** Prefers the token after the last one: a closed form the test can check. */
const nextTokenFavored = (size: number) => (context: readonly number[]) => {
  const favored = ((context.at(-1) ?? 0) + 1) % size;
  return Float32Array.from({ length: size }, (_, id) =>
    id === favored ? Math.log(0.5) : Math.log(0.5 / (size - 1)),
  );
};

describe('createMockLogitSource', () => {
  it('describes its tokenizer', () => {
    const source = createMockLogitSource({
      vocabulary: words,
      bos: 0,
      eos: 1,
      logProbs: nextTokenFavored(13),
    });
    expect(source.specificationVersion).toBe('v1');
    expect(source.tokenizer.vocabularySize).toBe(13);
    expect(source.tokenizer.specialTokens).toEqual({ bos: 0, eos: [1] });
    expect(source.tokenizer.vocabularyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives equal hashes to equal vocabularies and different ones otherwise', () => {
    const logProbs = nextTokenFavored(13);
    const a = createMockLogitSource({ vocabulary: words, eos: 1, logProbs });
    const b = createMockLogitSource({ vocabulary: [...words], eos: 1, logProbs, modelId: 'other' });
    const c = createMockLogitSource({ vocabulary: [...words.slice(0, 12), 'x'], eos: 1, logProbs });
    const d = createMockLogitSource({ vocabulary: words, eos: 0, logProbs });
    expect(a.tokenizer.vocabularyHash).toBe(b.tokenizer.vocabularyHash);
    expect(a.tokenizer.vocabularyHash).not.toBe(c.tokenizer.vocabularyHash);
    expect(a.tokenizer.vocabularyHash).not.toBe(d.tokenizer.vocabularyHash);
    expect(
      createMockLogitSource({ vocabulary: 4, logProbs, vocabularyHash: 'fixed' }).tokenizer.vocabularyHash,
    ).toBe('fixed');
  });

  it('tokenizes by greedy longest match and round-trips', async () => {
    const source = createMockLogitSource({
      vocabulary: words,
      bos: 0,
      eos: 1,
      logProbs: nextTokenFavored(13),
    });
    const tokens = await source.tokenize(' hello world hellow');
    expect(tokens).toEqual([2, 3, 2, 10]);
    expect(await source.detokenize(tokens)).toBe(' hello world hellow');
    expect(await source.tokenize(' hello', { addSpecialTokens: true })).toEqual([0, 2]);
    expect(await source.tokenize('')).toEqual([]);
  });

  it('rejects text the vocabulary cannot cover, and unknown ids', async () => {
    const source = createMockLogitSource({ vocabulary: words, eos: 1, logProbs: nextTokenFavored(13) });
    await expect(source.tokenize(' hello Z')).rejects.toThrow('no vocabulary entry matches "Z" at offset 7');
    await expect(source.detokenize([2, 13])).rejects.toThrow(InvalidArgumentError);
  });

  it('names the tokens of a sized vocabulary <id> and ends with the last id', async () => {
    const source = createMockLogitSource({ vocabulary: 12, logProbs: nextTokenFavored(12) });
    expect(source.vocabulary.slice(0, 3)).toEqual(['<0>', '<1>', '<2>']);
    expect(await source.tokenize('<1><11><10>')).toEqual([1, 11, 10]);
    expect(source.tokenizer.specialTokens.eos).toEqual([11]);
  });

  it('appends tokens to a sequence and returns the distribution after its context', async () => {
    const contexts: number[][] = [];
    const source = createMockLogitSource({
      vocabulary: 5,
      logProbs: (context) => {
        contexts.push([...context]);
        return nextTokenFavored(5)(context);
      },
    });
    const sequence = await source.createSequence();
    const first = await sequence.doNextLogProbs({ tokens: [0, 2] });
    expect(first).toBeInstanceOf(Float32Array);
    expect(first).toHaveLength(5);
    expect(first[3]).toBeCloseTo(Math.log(0.5), 6);
    const second = await sequence.doNextLogProbs({ tokens: [3] });
    expect(second[4]).toBeCloseTo(Math.log(0.5), 6);
    expect(contexts).toEqual([
      [0, 2],
      [0, 2, 3],
    ]);
    expect(source.sequences).toHaveLength(1);
    expect(source.sequences[0]?.tokens).toEqual([0, 2, 3]);
    expect(source.sequences[0]?.steps).toBe(2);
  });

  it('keeps sequences independent', async () => {
    const source = createMockLogitSource({ vocabulary: 5, logProbs: nextTokenFavored(5) });
    const a = await source.createSequence();
    const b = await source.createSequence();
    await a.doNextLogProbs({ tokens: [1] });
    await b.doNextLogProbs({ tokens: [2, 3] });
    expect(source.sequences.map((sequence) => sequence.tokens)).toEqual([[1], [2, 3]]);
  });

  it('normalizes arbitrary scores when asked', async () => {
    const source = createMockLogitSource({ vocabulary: 3, normalize: true, logProbs: () => [1, 2, 3] });
    const sequence = await source.createSequence();
    const logProbs = await sequence.doNextLogProbs({ tokens: [0] });
    const total = Array.from(logProbs).reduce((sum, value) => sum + Math.exp(value), 0);
    expect(total).toBeCloseTo(1, 6);
    expect(logProbs[2]! - logProbs[1]!).toBeCloseTo(1, 6);
  });

  it('rejects bad input without changing the sequence', async () => {
    const source = createMockLogitSource({ vocabulary: 5, logProbs: nextTokenFavored(5) });
    const sequence = await source.createSequence();
    await expect(sequence.doNextLogProbs({ tokens: [] })).rejects.toThrow('must append at least one token');
    await sequence.doNextLogProbs({ tokens: [1] });
    await expect(sequence.doNextLogProbs({ tokens: [2, 5] })).rejects.toThrow(InvalidArgumentError);
    await expect(sequence.doNextLogProbs({ tokens: [-1] })).rejects.toThrow(InvalidArgumentError);
    expect(source.sequences[0]?.tokens).toEqual([1]);
  });

  it('rejects a logProbs function that returns the wrong length', async () => {
    const source = createMockLogitSource({ vocabulary: 5, logProbs: () => [0, 0] });
    const sequence = await source.createSequence();
    await expect(sequence.doNextLogProbs({ tokens: [1] })).rejects.toThrow(
      'returned 2 values for a vocabulary of 5',
    );
    expect(source.sequences[0]?.tokens).toEqual([]);
  });

  it('rejects calls after dispose, through dispose() or await using', async () => {
    const source = createMockLogitSource({ vocabulary: 5, logProbs: nextTokenFavored(5) });
    const sequence = await source.createSequence();
    await sequence.dispose();
    await sequence.dispose();
    const error = await sequence.doNextLogProbs({ tokens: [1] }).catch((caught: unknown) => caught);
    expect(TonekitError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('The sequence has been disposed.');

    {
      await using scoped = await source.createSequence();
      await scoped.doNextLogProbs({ tokens: [1] });
      expect(source.sequences[1]?.disposed).toBe(false);
    }
    expect(source.sequences[1]?.disposed).toBe(true);
    expect(typeof source.sequences[1]?.[asyncDispose]).toBe('function');
    expect(asyncDispose).toBe(Symbol.asyncDispose);
  });

  it('honors abortSignal', async () => {
    const source = createMockLogitSource({ vocabulary: 5, logProbs: nextTokenFavored(5) });
    const controller = new AbortController();
    controller.abort();
    await expect(source.createSequence({ abortSignal: controller.signal })).rejects.toSatisfy(
      CancelledError.isInstance,
    );
    const sequence = await source.createSequence();
    await expect(sequence.doNextLogProbs({ tokens: [1], abortSignal: controller.signal })).rejects.toSatisfy(
      CancelledError.isInstance,
    );
  });

  it('applies a chat template only when one is configured', async () => {
    const plain = createMockLogitSource({ vocabulary: 5, logProbs: nextTokenFavored(5) });
    expect(plain.applyChatTemplate).toBeUndefined();
    const templated = createMockLogitSource({
      vocabulary: 5,
      logProbs: nextTokenFavored(5),
      chatTemplate: (messages, { addGenerationPrompt }) =>
        messages.map((message) => `${message.role}: ${message.content}\n`).join('') +
        (addGenerationPrompt ? 'assistant:' : ''),
    });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    expect(await templated.applyChatTemplate!(messages)).toBe('user: hi\nassistant:');
    expect(await templated.applyChatTemplate!(messages, { addGenerationPrompt: false })).toBe('user: hi\n');
  });

  it('rejects invalid settings', () => {
    const logProbs = nextTokenFavored(3);
    expect(() => createMockLogitSource({ vocabulary: 0, logProbs })).toThrow('Invalid argument `vocabulary`');
    expect(() => createMockLogitSource({ vocabulary: [], logProbs })).toThrow(
      'Invalid argument `vocabulary`',
    );
    expect(() => createMockLogitSource({ vocabulary: 3, eos: 3, logProbs })).toThrow(
      'Invalid argument `eos`',
    );
  });
});
