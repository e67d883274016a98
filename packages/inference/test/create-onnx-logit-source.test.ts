import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancelledError, InvalidArgumentError, type LogitSource, ModelLoadError } from '@tonekit/core';
import {
  type TinyCausalLmOnnx,
  type TinyLlamaGguf,
  type TinyLoraGguf,
  writeTinyCausalLmOnnx,
  writeTinyLlamaGguf,
  writeTinyLoraGguf,
} from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLlamaCppLogitSource,
  createOnnxLogitSource,
  type LlamaCppLogitSource,
  type OnnxLogitSource,
} from '../src/index.js';

// An exact tiny GGUF and the ONNX causal LM written from it: same vocabulary, same template, and logits
// that are the GGUF's closed form. The ONNX model also checks that the KV cache it is fed is consistent
// with the positions and attention mask (logits go visibly wrong otherwise), so agreement step after
// step means the cache is carried correctly.
let dir: string;
let gguf: TinyLlamaGguf;
let lora: TinyLoraGguf;
let onnx: TinyCausalLmOnnx;
let onnxSource: OnnxLogitSource;
let llamaSource: LlamaCppLogitSource;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-onnx-logits-'));
  gguf = await writeTinyLlamaGguf({ path: path.join(dir, 'exact.gguf'), variant: 'exact', seed: 5 });
  lora = await writeTinyLoraGguf({
    path: path.join(dir, 'lora.gguf'),
    base: gguf,
    targets: ['output'],
    rank: 4,
    alpha: 8,
    std: 0.5,
  });
  onnx = await writeTinyCausalLmOnnx({ dir: path.join(dir, 'onnx-exact'), gguf });
  // Prompts are fed four tokens per forward pass, so prefill itself grows the cache across passes.
  onnxSource = await createOnnxLogitSource({ modelPath: onnx.dir, threads: 1, prefillChunkSize: 4 });
  llamaSource = await createLlamaCppLogitSource({
    modelPath: gguf.path,
    gpu: false,
    threads: 1,
    contextSize: 256,
  });
});

afterAll(async () => {
  await onnxSource?.dispose();
  await llamaSource?.dispose();
  await rm(dir, { recursive: true, force: true });
});

function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < logits.length; index++) max = Math.max(max, logits[index] ?? 0);
  let sum = 0;
  for (let index = 0; index < logits.length; index++) sum += Math.exp((logits[index] ?? 0) - max);
  const logSumExp = max + Math.log(sum);
  return Float64Array.from(logits, (value) => value - logSumExp);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let difference = 0;
  for (let index = 0; index < a.length; index++)
    difference = Math.max(difference, Math.abs((a[index] ?? 0) - (b[index] ?? 0)));
  return difference;
}

function maxProbabilityDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  for (let index = 0; index < a.length; index++)
    difference = Math.max(difference, Math.abs(Math.exp(a[index] ?? 0) - Math.exp(b[index] ?? 0)));
  return difference;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index++)
    if ((values[index] ?? 0) > (values[best] ?? 0)) best = index;
  return best;
}

/** Greedy decoding of `steps` tokens after a chat prompt; every step's log-probabilities. */
async function greedyDecode(
  source: LogitSource,
  steps: number,
): Promise<{ tokens: number[]; logProbs: Float32Array[] }> {
  const prompt = await source.tokenize(
    (await source.applyChatTemplate?.([{ role: 'user', content: 'hello world, the cat' }])) ?? '',
  );
  await using sequence = await source.createSequence();
  const tokens = [...prompt];
  const logProbs: Float32Array[] = [];
  let next = prompt;
  for (let step = 0; step < steps; step++) {
    const result = await sequence.doNextLogProbs({ tokens: next });
    logProbs.push(result);
    const chosen = argmax(result);
    tokens.push(chosen);
    next = [chosen];
  }
  return { tokens, logProbs };
}

describe('createOnnxLogitSource', () => {
  it('equals the GGUF closed form step by step, carrying the KV cache', async () => {
    const { tokens, logProbs } = await greedyDecode(onnxSource, 8);
    const promptLength = tokens.length - logProbs.length;
    expect(promptLength).toBeGreaterThan(8);
    logProbs.forEach((result, step) => {
      const previous = tokens[promptLength - 1 + step] ?? 0;
      // The ONNX logits are the closed form rounded to float32, so this is float32-exact.
      expect(maxDifference(result, logSoftmax(onnx.logits(previous)))).toBeLessThan(1e-5);
      expect(maxDifference(result, logSoftmax(gguf.exact?.logits(previous) ?? []))).toBeLessThan(1e-5);
    });
  });

  it('agrees with the llama.cpp source of the same GGUF', async () => {
    const fromOnnx = await greedyDecode(onnxSource, 8);
    const fromLlama = await greedyDecode(llamaSource, 8);
    expect(fromOnnx.tokens).toEqual(fromLlama.tokens);
    fromOnnx.logProbs.forEach((result, step) => {
      expect(maxProbabilityDifference(result, fromLlama.logProbs[step] ?? [])).toBeLessThan(1e-6);
    });
  });

  it('reports the same vocabulary hash and special tokens as llama.cpp', () => {
    expect(onnxSource.tokenizer).toEqual(llamaSource.tokenizer);
    expect(onnxSource.tokenizer.vocabularySize).toBe(gguf.vocabulary.tokens.length);
    expect(onnxSource.tokenizer.specialTokens).toEqual({ bos: 1, eos: [2, 4] });
  });

  it('tokenizes, detokenizes and renders the chat template as llama.cpp does', async () => {
    const texts = [
      'hello world, the cat',
      'The quick brown fox jumps over the lazy dog.',
      '  Two  spaces, then (brackets) [and] {braces}; 42 + 7 = 49!',
      'What is the capital of France?\nParis.',
    ];
    for (const text of texts) {
      const ids = await onnxSource.tokenize(text);
      expect(ids).toEqual(await llamaSource.tokenize(text));
      expect(await onnxSource.tokenize(text, { addSpecialTokens: true })).toEqual(
        await llamaSource.tokenize(text, { addSpecialTokens: true }),
      );
      expect(await onnxSource.detokenize(ids)).toBe(await llamaSource.detokenize(ids));
    }
    await expect(onnxSource.detokenize([-1])).rejects.toSatisfy(InvalidArgumentError.isInstance);
    const messages = [
      { role: 'system' as const, content: 'Answer briefly.' },
      { role: 'user' as const, content: 'hello' },
      { role: 'assistant' as const, content: 'Hi!' },
      { role: 'user' as const, content: 'the cat?' },
    ];
    for (const addGenerationPrompt of [true, false]) {
      const rendered = await onnxSource.applyChatTemplate?.(messages, { addGenerationPrompt });
      expect(rendered).toBe(await llamaSource.applyChatTemplate?.(messages, { addGenerationPrompt }));
      expect(await onnxSource.tokenize(rendered ?? '')).toEqual(await llamaSource.tokenize(rendered ?? ''));
    }
  });

  it('matches llama.cpp with a LoRA adapter folded into the ONNX model', async () => {
    const adaptedOnnx = await writeTinyCausalLmOnnx({
      dir: path.join(dir, 'onnx-lora'),
      gguf,
      adapters: [{ adapter: lora, scale: 0.5 }],
    });
    const onnxAdapted = await createOnnxLogitSource({ modelPath: adaptedOnnx.dir, threads: 1 });
    const llamaAdapted = await createLlamaCppLogitSource({
      modelPath: gguf.path,
      loraAdapters: [{ path: lora.path, scale: 0.5 }],
      gpu: false,
      threads: 1,
      contextSize: 128,
    });
    try {
      const fromOnnx = await greedyDecode(onnxAdapted, 4);
      const fromLlama = await greedyDecode(llamaAdapted, 4);
      expect(fromOnnx.tokens).toEqual(fromLlama.tokens);
      fromOnnx.logProbs.forEach((result, step) => {
        expect(maxProbabilityDifference(result, fromLlama.logProbs[step] ?? [])).toBeLessThan(1e-6);
      });
      // The adapter matters: without it the distributions differ.
      const base = await greedyDecode(onnxSource, 1);
      expect(maxDifference(base.logProbs[0] ?? [], fromOnnx.logProbs[0] ?? [])).toBeGreaterThan(0.05);
    } finally {
      await onnxAdapted.dispose();
      await llamaAdapted.dispose();
    }
  });

  it('keeps sequences apart and leaves a cancelled call without effect on the cache', async () => {
    const [a, b] = [await onnxSource.createSequence(), await onnxSource.createSequence()];
    try {
      await Promise.all([
        a.doNextLogProbs({ tokens: [1, 10, 11, 12, 13, 14] }),
        b.doNextLogProbs({ tokens: [1, 20] }),
      ]);
      const controller = new AbortController();
      const cancelled = a.doNextLogProbs({
        tokens: [30, 31, 32, 33, 34, 35, 36, 37, 38],
        abortSignal: controller.signal,
      });
      setTimeout(() => controller.abort(), 0);
      const outcome = await cancelled.then(
        () => 'kept',
        (error: unknown) => (CancelledError.isInstance(error) ? 'cancelled' : error),
      );
      expect(['kept', 'cancelled']).toContain(outcome);
      // A cache out of step with the positions would make these logits wrong (the model checks it).
      const [fromA, fromB] = await Promise.all([
        a.doNextLogProbs({ tokens: [40] }),
        b.doNextLogProbs({ tokens: [41] }),
      ]);
      expect(maxDifference(fromA, logSoftmax(onnx.logits(40)))).toBeLessThan(1e-5);
      expect(maxDifference(fromB, logSoftmax(onnx.logits(41)))).toBeLessThan(1e-5);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it('rejects bad token ids, and calls after dispose', async () => {
    const disposable = await createOnnxLogitSource({ modelPath: onnx.dir, threads: 1, contextSize: 16 });
    const sequence = await disposable.createSequence();
    await expect(sequence.doNextLogProbs({ tokens: [] })).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await expect(sequence.doNextLogProbs({ tokens: [1.5] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(sequence.doNextLogProbs({ tokens: new Array(17).fill(7) })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    expect(
      maxDifference(await sequence.doNextLogProbs({ tokens: [7] }), logSoftmax(onnx.logits(7))),
    ).toBeLessThan(1e-5);
    await disposable.dispose();
    await disposable.dispose();
    await expect(sequence.doNextLogProbs({ tokens: [8] })).rejects.toThrow(/disposed/);
    await expect(disposable.createSequence()).rejects.toThrow(/disposed/);
  });

  it('reports missing and remote model folders clearly', async () => {
    await expect(createOnnxLogitSource({ modelPath: path.join(dir, 'nope') })).rejects.toSatisfy(
      (error: unknown) =>
        ModelLoadError.isInstance(error) && /No such model folder/.test((error as Error).message),
    );
    await expect(createOnnxLogitSource({ modelPath: 'https://huggingface.co/x/y' })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(createOnnxLogitSource({ modelPath: dir })).rejects.toSatisfy(
      (error: unknown) =>
        ModelLoadError.isInstance(error) && /tokenizer\.json/.test((error as Error).message),
    );
  });
});
