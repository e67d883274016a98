import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  createLlamaCppLogitSource,
  createOnnxLogitSource,
  type LlamaCppLogitSource,
  type OnnxLogitSource,
} from '@tonekit/inference';
import { writeTinyCausalLmOnnx, writeTinyLlamaGguf } from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blend } from '../src/index.js';

// The same two "exact" models on two backends: llama.cpp (GGUF) and onnxruntime through transformers.js
// (an ONNX twin with the same vocabulary and closed-form logits). Blends over either backend, or over
// one model from each, must choose the same tokens.
let dir: string;
let llama: LlamaCppLogitSource[];
let onnx: OnnxLogitSource[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-blend-backends-'));
  const boosts = { '<|im_end|>': 2, '.': 1.5 };
  const models = [
    await writeTinyLlamaGguf({
      path: path.join(dir, 'a.gguf'),
      variant: 'exact',
      seed: 21,
      logitBoosts: boosts,
    }),
    await writeTinyLlamaGguf({
      path: path.join(dir, 'b.gguf'),
      variant: 'exact',
      seed: 22,
      logitBoosts: boosts,
    }),
  ];
  llama = await Promise.all(
    models.map((model) =>
      createLlamaCppLogitSource({ modelPath: model.path, gpu: false, threads: 1, contextSize: 256 }),
    ),
  );
  onnx = [];
  for (const [index, model] of models.entries()) {
    const written = await writeTinyCausalLmOnnx({ dir: path.join(dir, `onnx-${index}`), gguf: model });
    onnx.push(await createOnnxLogitSource({ modelPath: written.dir, threads: 1 }));
  }
});

afterAll(async () => {
  await Promise.allSettled([...(llama ?? []), ...(onnx ?? [])].map((source) => source.dispose()));
  await rm(dir, { recursive: true, force: true });
});

describe('blending across backends', () => {
  it('gives the same greedy answer on llama.cpp, on ONNX, and with one model from each', async () => {
    expect(onnx[0]?.tokenizer.vocabularyHash).toBe(llama[0]?.tokenizer.vocabularyHash);
    const options = {
      messages: [{ role: 'user' as const, content: 'tell me about the river' }],
      alpha: 0.4,
      temperature: 0,
      maxTokens: 16,
    };
    const onLlama = await blend({ ...options, sources: llama });
    const onOnnx = await blend({ ...options, sources: onnx });
    const mixed = await blend({
      ...options,
      sources: [onnx[0], llama[1]] as [OnnxLogitSource, LlamaCppLogitSource],
    });
    expect(onLlama.tokens.length).toBeGreaterThan(3);
    expect(onOnnx.tokens.map((token) => token.id)).toEqual(onLlama.tokens.map((token) => token.id));
    expect(mixed.tokens.map((token) => token.id)).toEqual(onLlama.tokens.map((token) => token.id));
    expect(onOnnx.text).toBe(onLlama.text);
    // The blended probabilities of the chosen tokens agree to float32 precision.
    onOnnx.tokens.forEach((token, index) => {
      expect(token.probability).toBeCloseTo(onLlama.tokens[index]?.probability ?? Number.NaN, 5);
    });
  });
});
