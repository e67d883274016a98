import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  createLlamaCppChatModel,
  createLlamaCppLogitSource,
  type LlamaCppLogitSource,
} from '@tonekit/inference';
import { type TinyLlamaGguf, writeTinyLlamaGguf } from '@tonekit/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blend, createBlendedChatModel } from '../src/index.js';

// Real llama.cpp on generated "exact" models, one CPU thread each. An exact model's next-token logits
// depend only on the last token, in closed form, so every step of a blend has an exact reference.
//
// Tolerance: llama.cpp computes the logits in float32 (64-term dot products) and hands out float32
// probabilities, so each probability carries a relative error of a few float32 ulps of the logits:
// measured at most 1.6e-6 relative, 5e-8 absolute, on these models. Probabilities are compared to 1e-6
// absolute (20× the measured error, and far below any probability difference that could change a
// sampled token), log-probabilities of tokens with p > 1e-6 to 1e-5.

let dir: string;
let modelA: TinyLlamaGguf;
let modelB: TinyLlamaGguf;
let sourceA: LlamaCppLogitSource;
let sourceB: LlamaCppLogitSource;
const messages = [{ role: 'user' as const, content: 'hello world' }];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tonekit-logit-blend-'));
  modelA = await writeTinyLlamaGguf({ path: path.join(dir, 'a.gguf'), variant: 'exact', seed: 5 });
  modelB = await writeTinyLlamaGguf({ path: path.join(dir, 'b.gguf'), variant: 'exact', seed: 6 });
  const settings = { threads: 1, gpu: false as const, contextSize: 256 };
  sourceA = await createLlamaCppLogitSource({ modelPath: modelA.path, modelId: 'exact-a', ...settings });
  sourceB = await createLlamaCppLogitSource({ modelPath: modelB.path, modelId: 'exact-b', ...settings });
});

afterAll(async () => {
  await sourceA?.dispose();
  await sourceB?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** The closed-form log-softmax of an exact model after `token`, in float64. */
function exactLogProbs(model: TinyLlamaGguf, token: number): Float64Array {
  const logits = model.exact!.logits(token);
  let max = Number.NEGATIVE_INFINITY;
  for (const value of logits) max = Math.max(max, value);
  let sum = 0;
  for (const value of logits) sum += Math.exp(value - max);
  const logSum = max + Math.log(sum);
  return logits.map((value) => value - logSum);
}

/** The blended distribution's closed form: Σ wᵢ·log pᵢ / Σ wᵢ (optionally masked), renormalized. */
function exactBlend(token: number, weights: readonly number[], mask?: number): Float64Array {
  const inputs = [modelA, modelB].map((model) => exactLogProbs(model, token));
  const divisor = weights.reduce((sum, weight) => sum + weight, 0);
  const scores = inputs[0]!.map(
    (_, id) => inputs.reduce((sum, input, source) => sum + weights[source]! * input[id]!, 0) / divisor,
  );
  if (mask !== undefined) {
    const best = Math.max(...inputs[0]!);
    inputs[0]!.forEach((value, id) => {
      if (value < Math.log(mask) + best) scores[id] = Number.NEGATIVE_INFINITY;
    });
  }
  const max = Math.max(...scores);
  const logSum = max + Math.log(scores.reduce((sum, score) => sum + Math.exp(score - max), 0));
  return scores.map((score) => score - logSum);
}

/** Greedy chain of a closed form, starting after the prompt's last token. */
function greedyChain(
  next: (token: number) => Float64Array,
  first: number,
  steps: number,
  eos: readonly number[],
): number[] {
  const chain: number[] = [];
  let previous = first;
  while (chain.length < steps) {
    const logProbs = next(previous);
    let best = 0;
    for (let id = 1; id < logProbs.length; id++) if (logProbs[id]! > logProbs[best]!) best = id;
    chain.push(best);
    if (eos.includes(best)) break;
    previous = best;
  }
  return chain;
}

describe('blend over llama.cpp (exact tiny models)', () => {
  it('the two models share a vocabulary', () => {
    expect(sourceA.tokenizer.vocabularyHash).toBe(sourceB.tokenizer.vocabularyHash);
    expect(sourceA.tokenizer.vocabularySize).toBe(modelA.vocabulary.tokens.length);
  });

  for (const [label, weights, mask] of [
    ['weights (0.7, 0.3)', [0.7, 0.3], undefined],
    ['weights (1.5, −0.5) with a plausibility mask', [1.5, -0.5], 0.2],
  ] as const) {
    it(`gives the closed-form blended distribution at every step: ${label}`, async () => {
      // The chat template ends the prompt with "\n"; after that, each step's reference follows the chosen token.
      let previous = modelA.vocabulary.tokens.indexOf('<0x0A>');
      let steps = 0;
      const result = await blend({
        sources: [sourceA, sourceB],
        weights,
        ...(mask === undefined ? {} : { plausibility: { beta: mask } }),
        messages,
        maxTokens: 12,
        seed: 3,
        onStep: ({ logProbs, probabilities, token }) => {
          const reference = exactBlend(previous, weights, mask);
          if (mask !== undefined) {
            // float32 could flip a token lying on the mask's edge; none lies within 1e-5 of it here.
            const base = exactLogProbs(modelA, previous);
            const cutoff = Math.log(mask) + Math.max(...base);
            expect(Math.min(...base.map((value) => Math.abs(value - cutoff)))).toBeGreaterThan(1e-5);
          }
          let worstProbability = 0;
          let worstLogProb = 0;
          for (let id = 0; id < reference.length; id++) {
            worstProbability = Math.max(
              worstProbability,
              Math.abs(probabilities[id]! - Math.exp(reference[id]!)),
            );
            if (reference[id]! > Math.log(1e-6))
              worstLogProb = Math.max(worstLogProb, Math.abs(logProbs[id]! - reference[id]!));
            if (reference[id] === Number.NEGATIVE_INFINITY)
              expect(logProbs[id]).toBe(Number.NEGATIVE_INFINITY);
          }
          expect(worstProbability).toBeLessThan(1e-6);
          expect(worstLogProb).toBeLessThan(1e-5);
          previous = token.id;
          steps++;
        },
      });
      expect(steps).toBe(result.tokens.length);
      expect(result.promptTokens.at(-1)).toBe(modelA.vocabulary.tokens.indexOf('<0x0A>'));
    });
  }

  it('α = 1 and α = 0 reproduce each model’s own greedy output, token for token and as text', async () => {
    const newline = modelA.vocabulary.tokens.indexOf('<0x0A>');
    const eos = sourceA.tokenizer.specialTokens.eos;
    for (const [alpha, model, modelPath] of [
      [1, modelA, () => modelA.path],
      [0, modelB, () => modelB.path],
    ] as const) {
      const result = await blend({
        sources: [sourceA, sourceB],
        alpha,
        messages,
        maxTokens: 16,
        temperature: 0,
      });
      const chain = greedyChain((token) => exactLogProbs(model, token), newline, 16, eos);
      expect(result.tokens.map((token) => token.id)).toEqual(chain);
      const single = createLlamaCppChatModel({
        modelPath: modelPath(),
        gpu: false,
        threads: 1,
        contextSize: 256,
      });
      try {
        const alone = await single.doGenerate({ messages, maxTokens: 16, temperature: 0 });
        expect(result.text).toBe(alone.text.replace(/\uFFFD+$/u, ''));
        expect(result.finishReason).toBe(alone.finishReason);
      } finally {
        await single.dispose();
      }
    }
    // The two models disagree, so the comparison can tell them apart.
    expect(greedyChain((token) => exactLogProbs(modelA, token), newline, 16, eos)).not.toEqual(
      greedyChain((token) => exactLogProbs(modelB, token), newline, 16, eos),
    );
  });

  it('drives a ChatModel generate call, greedy on the blend', async () => {
    const model = createBlendedChatModel({ sources: [sourceA, sourceB], weights: [0.6, 0.4] });
    const newline = modelA.vocabulary.tokens.indexOf('<0x0A>');
    const chain = greedyChain(
      (token) => exactBlend(token, [0.6, 0.4]),
      newline,
      10,
      sourceA.tokenizer.specialTokens.eos,
    );
    const result = await model.doGenerate({ messages, maxTokens: 10, temperature: 0 });
    expect(result.rawResponse.tokens.map((token) => token.id)).toEqual(chain);
    expect(result.text).toBe(
      await sourceA.detokenize(chain.filter((id) => !sourceA.tokenizer.specialTokens.eos.includes(id))),
    );
    let streamed = '';
    for await (const part of model.doStream({ messages, maxTokens: 10, temperature: 0 })) {
      if (part.type === 'text-delta') streamed += part.delta;
    }
    expect(streamed).toBe(result.text);
  });
});
