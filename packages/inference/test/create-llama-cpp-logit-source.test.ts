import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CancelledError,
  computeVocabularyHash,
  InvalidArgumentError,
  type LogitSequence,
  ModelLoadError,
} from '@tonekit/core';
import {
  type TinyLlamaGguf,
  type TinyLoraGguf,
  writeTinyLlamaGguf,
  writeTinyLoraGguf,
} from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLlamaCppLogitSource,
  type LlamaCppLogitSource,
  llamaCppLogProbabilityFloor,
} from '../src/index.js';
import { acquireLlamaModel } from '../src/llama-cpp/acquire-llama-model.js';

// Real llama.cpp on generated models, one CPU thread. The exact model's next-token distribution has a
// closed form that depends only on the last token, so every step can be checked against TypeScript.
let dir: string;
let exact: TinyLlamaGguf;
let outputLora: TinyLoraGguf;
let randomModel: TinyLlamaGguf;
let otherVocabulary: TinyLlamaGguf;
let source: LlamaCppLogitSource;

const cpu = { gpu: false, threads: 1 } as const;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-llama-logits-'));
  exact = await writeTinyLlamaGguf({ path: path.join(dir, 'exact.gguf'), variant: 'exact', seed: 5 });
  outputLora = await writeTinyLoraGguf({
    path: path.join(dir, 'exact-lora.gguf'),
    base: exact,
    targets: ['output'],
    rank: 4,
    alpha: 8,
    std: 0.5,
  });
  randomModel = await writeTinyLlamaGguf({ path: path.join(dir, 'random.gguf'), seed: 9 });
  otherVocabulary = await writeTinyLlamaGguf({
    path: path.join(dir, 'other.gguf'),
    variant: 'exact',
    seed: 3,
    words: ['alpha', 'beta', 'gamma'],
  });
  source = await createLlamaCppLogitSource({ modelPath: exact.path, ...cpu, contextSize: 256, sequences: 2 });
});

afterAll(async () => {
  await source?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** log-softmax in float64. */
function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < logits.length; index++) max = Math.max(max, logits[index] ?? 0);
  let sum = 0;
  for (let index = 0; index < logits.length; index++) sum += Math.exp((logits[index] ?? 0) - max);
  const logSumExp = max + Math.log(sum);
  return Float64Array.from(logits, (value) => value - logSumExp);
}

/**
 * Probabilities agree to 1e-6 everywhere; log-probabilities to 1e-4 wherever the probability is not tiny
 * (llama.cpp computes float32 probabilities, whose logs lose relative precision as they shrink).
 */
function expectDistribution(actual: Float32Array, expectedLogProbs: Float64Array): void {
  expect(actual).toHaveLength(expectedLogProbs.length);
  let probabilityError = 0;
  let logError = 0;
  let total = 0;
  for (let token = 0; token < actual.length; token++) {
    const expected = expectedLogProbs[token] ?? 0;
    const value = actual[token] ?? 0;
    total += Math.exp(value);
    probabilityError = Math.max(probabilityError, Math.abs(Math.exp(value) - Math.exp(expected)));
    if (expected > Math.log(1e-6)) logError = Math.max(logError, Math.abs(value - expected));
  }
  expect(probabilityError).toBeLessThan(1e-6);
  expect(logError).toBeLessThan(1e-4);
  expect(total).toBeCloseTo(1, 5);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index++)
    if ((values[index] ?? 0) > (values[best] ?? 0)) best = index;
  return best;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  for (let index = 0; index < a.length; index++)
    difference = Math.max(difference, Math.abs((a[index] ?? 0) - (b[index] ?? 0)));
  return difference;
}

describe('createLlamaCppLogitSource', () => {
  it('returns the log-softmax of the closed form at every step of a greedy decode', async () => {
    const prompt = await source.tokenize('hello world, the cat', { addSpecialTokens: true });
    await using sequence = await source.createSequence();
    let logProbs = await sequence.doNextLogProbs({ tokens: prompt });
    let last = prompt.at(-1) ?? 0;
    for (let step = 0; step < 6; step++) {
      expectDistribution(logProbs, logSoftmax(exact.exact?.logits(last) ?? []));
      last = argmax(logProbs);
      logProbs = await sequence.doNextLogProbs({ tokens: [last] });
    }
    // An empty append returns the last distribution again.
    expect(await sequence.doNextLogProbs({ tokens: [] })).toEqual(logProbs);
  });

  it('applies LoRA adapters in its own context while sharing the base weights with other sources', async () => {
    const adapted = await createLlamaCppLogitSource({
      modelPath: exact.path,
      loraAdapters: [{ path: outputLora.path, scale: 0.75 }],
      ...cpu,
      contextSize: 64,
    });
    const base = await createLlamaCppLogitSource({ modelPath: exact.path, ...cpu, contextSize: 64 });
    try {
      const token = exact.vocabulary.tokens.indexOf('\u2581cat');
      const withAdapter = logSoftmax(
        exact.exact?.logits(token, [{ adapter: outputLora, scale: 0.75 }]) ?? [],
      );
      const without = logSoftmax(exact.exact?.logits(token) ?? []);
      expect(maxDifference(withAdapter, without)).toBeGreaterThan(0.1);
      const [a, b] = await Promise.all([adapted.createSequence(), base.createSequence()]);
      const [adaptedLogProbs, baseLogProbs] = await Promise.all([
        a?.doNextLogProbs({ tokens: [token] }),
        b?.doNextLogProbs({ tokens: [token] }),
      ]);
      expectDistribution(adaptedLogProbs ?? new Float32Array(), withAdapter);
      expectDistribution(baseLogProbs ?? new Float32Array(), without);
      // Releasing one holder of the shared model leaves the other working.
      await base.dispose();
      expectDistribution(await (a as LogitSequence).doNextLogProbs({ tokens: [token] }), withAdapter);
      expect(adapted.tokenizer.vocabularyHash).toBe(source.tokenizer.vocabularyHash);
    } finally {
      await base.dispose();
      await adapted.dispose();
    }
  });

  it('loads a model once for every holder and frees it with the last one', async () => {
    // A file of its own: the suite's other sources hold exact.gguf for their whole lifetime.
    const own = await writeTinyLlamaGguf({ path: path.join(dir, 'shared.gguf'), variant: 'exact', seed: 5 });
    const first = await acquireLlamaModel({ modelPath: own.path, gpu: 'cpu' }, 'a');
    const second = await acquireLlamaModel(
      { modelPath: path.join(dir, '.', 'shared.gguf'), gpu: false },
      'b',
    );
    const onOtherFile = await acquireLlamaModel({ modelPath: randomModel.path, gpu: false }, 'c');
    expect(second.model).toBe(first.model);
    expect(second.llama).toBe(first.llama);
    expect(onOtherFile.model).not.toBe(first.model);
    await first.release();
    await first.release();
    expect(second.model.disposed).toBe(false);
    await second.release();
    expect(first.model.disposed).toBe(true);
    const again = await acquireLlamaModel({ modelPath: own.path, gpu: false }, 'd');
    expect(again.model).not.toBe(first.model);
    await again.release();
    await onOtherFile.release();
  });

  it('describes its vocabulary so that equal vocabularies hash equally', async () => {
    const { tokenizer } = source;
    expect(tokenizer.vocabularySize).toBe(exact.vocabulary.tokens.length);
    // BOS is prepended by this GGUF; llama.cpp ends generation on `</s>` and on the `<|im_end|>` EOS.
    expect(tokenizer.specialTokens).toEqual({ bos: 1, eos: [2, 4] });
    expect(tokenizer.vocabularyHash).toBe(
      computeVocabularyHash(exact.vocabulary.tokens, { bos: 1, eos: [2, 4] }),
    );
    const sameVocabulary = await createLlamaCppLogitSource({
      modelPath: randomModel.path,
      ...cpu,
      contextSize: 64,
    });
    const otherSource = await createLlamaCppLogitSource({
      modelPath: otherVocabulary.path,
      ...cpu,
      contextSize: 64,
    });
    try {
      expect(sameVocabulary.tokenizer.vocabularyHash).toBe(tokenizer.vocabularyHash);
      expect(otherSource.tokenizer.vocabularyHash).not.toBe(tokenizer.vocabularyHash);
      expect(otherSource.tokenizer.vocabularySize).toBe(otherVocabulary.vocabulary.tokens.length);
    } finally {
      await sameVocabulary.dispose();
      await otherSource.dispose();
    }
  });

  it('tokenizes with the GGUF tokenizer and detokenizes without special tokens', async () => {
    const { tokens } = exact.vocabulary;
    const ids = await source.tokenize('hello world, the cat');
    expect(ids.map((id) => tokens[id])).toEqual([
      '\u2581hello',
      '\u2581world',
      ',',
      '\u2581the',
      '\u2581cat',
    ]);
    expect(await source.tokenize('hello', { addSpecialTokens: true })).toEqual([
      1,
      tokens.indexOf('\u2581hello'),
    ]);
    // Special-token text becomes the special token; a newline falls back to its byte token.
    const chat = await source.tokenize('<|im_start|>user\nhi<|im_end|>');
    expect(chat[0]).toBe(3);
    expect(chat.at(-1)).toBe(4);
    expect(chat).toContain(tokens.indexOf('<0x0A>'));
    expect(await source.detokenize(ids)).toBe('hello world, the cat');
    expect(await source.detokenize([1, ...ids, 4])).toBe('hello world, the cat');
    expect(await source.detokenize(await source.tokenize('café ünïcode 😀'))).toBe('café ünïcode 😀');
    expect(await source.detokenize([])).toBe('');
    await expect(source.detokenize([tokens.length])).rejects.toSatisfy(InvalidArgumentError.isInstance);
  });

  it('renders the GGUF chat template (ChatML)', async () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'hello world' },
    ];
    expect(await source.applyChatTemplate?.(messages)).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello world<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(await source.applyChatTemplate?.(messages, { addGenerationPrompt: false })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello world<|im_end|>\n',
    );
  });

  it('keeps sequences independent, batched in one context', async () => {
    const random = await createLlamaCppLogitSource({
      modelPath: randomModel.path,
      ...cpu,
      contextSize: 128,
      sequences: 2,
    });
    try {
      const first = await random.tokenize('the cat and the dog', { addSpecialTokens: true });
      const second = await random.tokenize('paris is the capital of france', { addSpecialTokens: true });
      const follow = [first.at(-1) ?? 0, second.at(-1) ?? 0];
      // Reference: each history alone in a fresh sequence.
      const alone = async (tokens: number[], next: number) => {
        await using sequence = await random.createSequence();
        await sequence.doNextLogProbs({ tokens });
        return await sequence.doNextLogProbs({ tokens: [next] });
      };
      const expectedFirst = await alone(first, follow[1] ?? 0);
      const expectedSecond = await alone(second, follow[0] ?? 0);
      // Together: both sequences open, their calls interleaved and evaluated in the same batches.
      const [a, b] = [await random.createSequence(), await random.createSequence()];
      await Promise.all([a.doNextLogProbs({ tokens: first }), b.doNextLogProbs({ tokens: second })]);
      const [gotFirst, gotSecond] = await Promise.all([
        a.doNextLogProbs({ tokens: [follow[1] ?? 0] }),
        b.doNextLogProbs({ tokens: [follow[0] ?? 0] }),
      ]);
      expect(maxDifference(gotFirst, expectedFirst)).toBeLessThan(1e-4);
      expect(maxDifference(gotSecond, expectedSecond)).toBeLessThan(1e-4);
      // The histories differ, so the distributions do too: the check above can fail.
      expect(maxDifference(gotFirst, gotSecond)).toBeGreaterThan(1e-2);
      await Promise.all([a.dispose(), b.dispose()]);
    } finally {
      await random.dispose();
    }
  });

  it('waits for a free sequence, and cancels the wait on abort', async () => {
    const single = await createLlamaCppLogitSource({
      modelPath: exact.path,
      ...cpu,
      contextSize: 64,
      sequences: 1,
    });
    try {
      const held = await single.createSequence();
      const controller = new AbortController();
      const cancelled = single.createSequence({ abortSignal: controller.signal });
      let queuedSettled = false;
      const queued = single.createSequence().then((sequence) => {
        queuedSettled = true;
        return sequence;
      });
      controller.abort();
      await expect(cancelled).rejects.toSatisfy(CancelledError.isInstance);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(queuedSettled).toBe(false);
      await held.dispose();
      const next = await queued;
      expectDistribution(
        await next.doNextLogProbs({ tokens: [7] }),
        logSoftmax(exact.exact?.logits(7) ?? []),
      );
      await next.dispose();
    } finally {
      await single.dispose();
    }
  });

  it('rolls a cancelled call back, so the history is as before it', async () => {
    const random = await createLlamaCppLogitSource({ modelPath: randomModel.path, ...cpu, contextSize: 512 });
    try {
      const prompt = await random.tokenize('the cat and the dog', { addSpecialTokens: true });
      const long = await random.tokenize('hello world '.repeat(100));
      const next = prompt.at(-1) ?? 0;
      const reference = async (tokens: number[][]) => {
        await using sequence = await random.createSequence();
        for (const chunk of tokens) await sequence.doNextLogProbs({ tokens: chunk });
        return await sequence.doNextLogProbs({ tokens: [next] });
      };
      const withoutLong = await reference([prompt]);
      const withLong = await reference([prompt, long]);
      expect(maxDifference(withoutLong, withLong)).toBeGreaterThan(1e-2);

      await using sequence = await random.createSequence();
      await sequence.doNextLogProbs({ tokens: prompt });
      const aborted = new AbortController();
      aborted.abort(new Error('already gone'));
      await expect(sequence.doNextLogProbs({ tokens: long, abortSignal: aborted.signal })).rejects.toSatisfy(
        CancelledError.isInstance,
      );
      // Aborted while the evaluation runs (a 200-token prompt takes milliseconds): the call rejects at
      // once and the tokens it appended are erased. Should the evaluation win the race, the call
      // succeeds and keeps them; either way the history must match the outcome.
      const controller = new AbortController();
      const inFlight = sequence.doNextLogProbs({ tokens: long, abortSignal: controller.signal });
      setTimeout(() => controller.abort(), 0);
      const outcome = await inFlight.then(
        () => 'kept',
        (error: unknown) => (CancelledError.isInstance(error) ? 'cancelled' : error),
      );
      const after = await sequence.doNextLogProbs({ tokens: [next] });
      expect(maxDifference(after, outcome === 'cancelled' ? withoutLong : withLong)).toBeLessThan(1e-5);
    } finally {
      await random.dispose();
    }
  });

  it('rejects bad token ids and overlong histories without changing the sequence', async () => {
    await using sequence = await source.createSequence();
    await expect(sequence.doNextLogProbs({ tokens: [] })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(sequence.doNextLogProbs({ tokens: [5, exact.vocabulary.tokens.length] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(sequence.doNextLogProbs({ tokens: [5, -1] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(sequence.doNextLogProbs({ tokens: new Array(300).fill(7) })).rejects.toSatisfy(
      (error: unknown) =>
        InvalidArgumentError.isInstance(error) && /contextSize/.test((error as Error).message),
    );
    const logProbs = await sequence.doNextLogProbs({ tokens: [7] });
    expectDistribution(logProbs, logSoftmax(exact.exact?.logits(7) ?? []));
    // No token is below the documented floor.
    expect(Math.min(...logProbs)).toBeGreaterThanOrEqual(llamaCppLogProbabilityFloor);
  });

  it('disposes sequences and the source idempotently, and refuses calls afterwards', async () => {
    const disposable = await createLlamaCppLogitSource({ modelPath: exact.path, ...cpu, contextSize: 64 });
    const sequence = await disposable.createSequence();
    await sequence.doNextLogProbs({ tokens: [7] });
    await sequence.dispose();
    await sequence.dispose();
    await expect(sequence.doNextLogProbs({ tokens: [8] })).rejects.toThrow(/disposed/);
    const open = await disposable.createSequence();
    await disposable.dispose();
    await disposable.dispose();
    await expect(open.doNextLogProbs({ tokens: [8] })).rejects.toThrow(/disposed/);
    await expect(disposable.createSequence()).rejects.toThrow(/disposed/);
    await expect(disposable.tokenize('hello')).rejects.toThrow(/disposed/);
  });

  it('reports missing and remote model files clearly', async () => {
    await expect(
      createLlamaCppLogitSource({ modelPath: path.join(dir, 'nope.gguf'), ...cpu }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        ModelLoadError.isInstance(error) && /No such GGUF file/.test((error as Error).message),
    );
    await expect(
      createLlamaCppLogitSource({
        modelPath: exact.path,
        loraAdapters: [{ path: path.join(dir, 'no-lora.gguf') }],
        ...cpu,
      }),
    ).rejects.toSatisfy(ModelLoadError.isInstance);
    await expect(createLlamaCppLogitSource({ modelPath: 'hf:someone/model.gguf', ...cpu })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(createLlamaCppLogitSource({ modelPath: exact.path, sequences: 0 })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
  });
});
