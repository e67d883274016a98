import { InvalidArgumentError } from '@tonekit/core';
import { createMockLogitSource } from '@tonekit/test-kit';
import { describe, expect, it } from 'vitest';
import {
  type BlendOptions,
  type BlendStepInfo,
  blend,
  linearSchedule,
  piecewiseSchedule,
  type WeightScheduleContext,
} from '../src/index.js';
import {
  argmax,
  logSoftmax32,
  maxProbabilityDifference,
  randomLogProbs,
  randomSource,
  referenceBlend,
} from './helpers.js';

const size = 64;
const prompt = [3, 1, 4, 1, 5];

interface Captured {
  step: number;
  token: number;
  weights: number[];
  logProbs: Float64Array;
}

/** Runs a blend and records the blended distribution of every step. */
async function run(options: Omit<BlendOptions, 'promptTokens' | 'onStep'>) {
  const steps: Captured[] = [];
  const result = await blend({
    promptTokens: prompt,
    ...options,
    onStep: (info: BlendStepInfo) =>
      steps.push({
        step: info.step,
        token: info.token.id,
        weights: [...info.weights],
        logProbs: Float64Array.from(info.logProbs),
      }),
  });
  return { result, steps };
}

/** Checks every step's blended distribution against the reference computed from the sources' own functions. */
function expectMatchesReference(
  steps: readonly Captured[],
  seeds: readonly number[],
  normalization: 'sum' | 'abs-sum' | 'none' = 'sum',
  mask?: { source: number; beta: number },
) {
  const context = [...prompt];
  for (const step of steps) {
    const inputs = seeds.map((seed) => randomLogProbs(seed, context, size));
    const reference = referenceBlend(inputs, step.weights, normalization, mask);
    expect(maxProbabilityDifference(step.logProbs, reference)).toBeLessThan(1e-6);
    for (let token = 0; token < size; token++) {
      if (Number.isFinite(reference[token]!))
        expect(Math.abs(step.logProbs[token]! - reference[token]!)).toBeLessThan(1e-6);
      else expect(step.logProbs[token]).toBe(Number.NEGATIVE_INFINITY);
    }
    context.push(step.token);
  }
}

describe('blend: the blended distribution', () => {
  it('equals the reference Σ wᵢ·log pᵢ / Σ wᵢ at every step, and every source sees the same tokens', async () => {
    const sources = [randomSource(1, size), randomSource(2, size), randomSource(3, size)];
    const { result, steps } = await run({ sources, weights: [0.5, 0.3, 0.2], maxTokens: 24, seed: 11 });
    expect(steps.length).toBe(result.tokens.length);
    expect(steps.length).toBeGreaterThan(3);
    expectMatchesReference(steps, [1, 2, 3]);
    // One sequence per source, fed the prompt once and then the very same tokens.
    const fed = sources.map((source) => source.sequences.map((sequence) => [...sequence.tokens]));
    expect(fed[0]).toHaveLength(1);
    expect(fed[1]).toEqual(fed[0]);
    expect(fed[2]).toEqual(fed[0]);
    const generated = result.tokens.map((token) => token.id);
    // The last token is never fed: nothing is predicted after it.
    expect(fed[0]![0]).toEqual([...prompt, ...generated.slice(0, -1)]);
    expect(sources[0]!.sequences[0]!.steps).toBe(generated.length);
  });

  it('matches the reference for negative weights under each normalization', async () => {
    for (const [weights, normalization] of [
      [[2, -0.5, 0.25], 'sum'],
      [[1, -1, 0.5], 'abs-sum'],
      [[1, -1, 0], 'none'],
    ] as const) {
      const { steps } = await run({
        sources: [randomSource(4, size), randomSource(5, size), randomSource(6, size)],
        weights,
        normalization,
        maxTokens: 12,
        seed: 3,
      });
      expectMatchesReference(steps, [4, 5, 6], normalization);
    }
  });

  it('α = 1 and α = 0 reproduce each model’s own greedy output token for token', async () => {
    const greedyChain = (seed: number, length: number) => {
      const context = [...prompt];
      const chain: number[] = [];
      while (chain.length < length) {
        const token = argmax(randomLogProbs(seed, context, size));
        chain.push(token);
        if (token === size - 1) break;
        context.push(token);
      }
      return chain;
    };
    for (const [alpha, seed] of [
      [1, 21],
      [0, 22],
    ] as const) {
      const { result } = await run({
        sources: [randomSource(21, size), randomSource(22, size)],
        alpha,
        temperature: 0,
        maxTokens: 30,
      });
      const expected = greedyChain(seed, 30);
      expect(result.tokens.map((token) => token.id)).toEqual(expected);
      expect(expected.length).toBeGreaterThan(5);
    }
    // And the two chains differ, so the test can tell them apart.
    expect(greedyChain(21, 30)).not.toEqual(greedyChain(22, 30));
  });

  it('is invariant to scaling the weights: (2, 2) ≡ (1, 1)', async () => {
    const make = () => [randomSource(7, size), randomSource(8, size)];
    const a = await run({ sources: make(), weights: [2, 2], maxTokens: 20, seed: 99 });
    const b = await run({ sources: make(), weights: [1, 1], maxTokens: 20, seed: 99 });
    expect(a.result.tokens.map((token) => token.id)).toEqual(b.result.tokens.map((token) => token.id));
    a.steps.forEach((step, index) => {
      expect(maxProbabilityDifference(step.logProbs, b.steps[index]!.logProbs)).toBeLessThan(1e-12);
    });
    // Equal weights are also the default.
    const c = await run({ sources: make(), maxTokens: 20, seed: 99 });
    expect(c.result.tokens.map((token) => token.id)).toEqual(b.result.tokens.map((token) => token.id));
  });

  it('rejects weights whose sum is not positive under "sum", pointing to "none"', async () => {
    const sources = [randomSource(1, size), randomSource(2, size)];
    const error = await blend({ sources, weights: [1, -1], promptTokens: prompt, maxTokens: 3 }).catch(
      (e) => e,
    );
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.message).toContain('sum to 0');
    expect(error.message).toContain('"none"');
    // The sequences created for the failed run were released.
    expect(sources.every((source) => source.sequences.every((sequence) => sequence.disposed))).toBe(true);
  });

  it('rejects malformed weights up front', async () => {
    const sources = [randomSource(1, size), randomSource(2, size)];
    for (const weights of [[1], [1, Number.NaN], [0, 0]]) {
      await expect(blend({ sources, weights, promptTokens: prompt })).rejects.toSatisfy(
        InvalidArgumentError.isInstance,
      );
    }
    await expect(blend({ sources, weights: [1, 1], alpha: 0.5, promptTokens: prompt })).rejects.toThrow(
      /either alpha or weights/,
    );
    await expect(
      blend({ sources: [...sources, randomSource(3, size)], alpha: 0.5, promptTokens: prompt }),
    ).rejects.toThrow(/exactly two sources/);
    expect(sources[0]!.sequences).toHaveLength(0);
  });
});

describe('blend: weight schedules', () => {
  it('calls a schedule function before every token with the step, the tokens and the text so far', async () => {
    const contexts: WeightScheduleContext[] = [];
    const { result, steps } = await run({
      sources: [randomSource(1, size), randomSource(2, size)],
      weights: (context) => {
        contexts.push({ ...context, tokens: [...context.tokens] });
        return context.step % 2 === 0 ? [1, 0] : [0.25, 0.75];
      },
      maxTokens: 10,
      seed: 5,
    });
    expectMatchesReference(steps, [1, 2]);
    expect(steps.map((step) => step.weights)).toEqual(
      steps.map((step) => (step.step % 2 === 0 ? [1, 0] : [0.25, 0.75])),
    );
    const ids = result.tokens.map((token) => token.id);
    contexts.forEach((context, step) => {
      expect(context.step).toBe(step);
      expect(context.tokens).toEqual(ids.slice(0, step));
      expect(context.text).toBe(
        ids
          .slice(0, step)
          .map((id) => `<${id}>`)
          .join(''),
      );
    });
  });

  it('follows a piecewise schedule (knowledgeable first, empathetic later)', async () => {
    const { steps } = await run({
      sources: [randomSource(1, size, { eos: 0 }), randomSource(2, size, { eos: 0 })],
      weights: piecewiseSchedule([
        { fromStep: 0, weights: [1, 0] },
        { fromStep: 3, weights: [0.5, 0.5] },
        { fromStep: 6, weights: [0, 1] },
      ]),
      maxTokens: 9,
      seed: 2,
    });
    expect(steps.map((step) => step.weights)).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [0.5, 0.5],
      [0.5, 0.5],
      [0.5, 0.5],
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    expectMatchesReference(steps, [1, 2]);
  });

  it('interpolates a linear schedule and holds its ends', async () => {
    const { steps } = await run({
      sources: [randomSource(1, size, { eos: 0 }), randomSource(2, size, { eos: 0 })],
      weights: {
        type: 'linear',
        points: [
          { step: 2, weights: [1, 0] },
          { step: 6, weights: [0, 1] },
        ],
      },
      maxTokens: 9,
      seed: 4,
    });
    expect(steps.map((step) => step.weights)).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [0.75, 0.25],
      [0.5, 0.5],
      [0.25, 0.75],
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    expectMatchesReference(steps, [1, 2]);
  });

  it('rejects malformed schedules and schedule results', async () => {
    expect(() => piecewiseSchedule([{ fromStep: 1, weights: [1] }])).toThrow(/first one 0/);
    expect(() =>
      linearSchedule([
        { step: 3, weights: [1] },
        { step: 3, weights: [1] },
      ]),
    ).toThrow(/ascending/);
    const sources = [randomSource(1, size), randomSource(2, size)];
    await expect(
      blend({
        sources,
        weights: ({ step }) => (step < 2 ? [1, 1] : [1]),
        promptTokens: prompt,
        maxTokens: 5,
        seed: 1,
      }),
    ).rejects.toThrow(/step 2.*one weight per source/);
    // Interpolation through all-zero weights is caught at the step where it happens.
    await expect(
      blend({
        sources,
        weights: linearSchedule([
          { step: 0, weights: [1, 0] },
          { step: 2, weights: [-1, 0] },
        ]),
        promptTokens: prompt,
        maxTokens: 5,
        seed: 1,
      }),
    ).rejects.toThrow(/step 1.*all weights are 0/);
    expect(sources.every((source) => source.sequences.every((sequence) => sequence.disposed))).toBe(true);
  });
});

describe('blend: negative weights and the plausibility mask', () => {
  it('keeps exactly the tokens with log p_base ≥ log β + max log p_base and matches the reference', async () => {
    const mask = { source: 0, beta: 0.1 };
    const { result, steps } = await run({
      sources: [randomSource(31, size), randomSource(32, size)],
      weights: [1, -1],
      normalization: 'none',
      plausibility: mask,
      maxTokens: 16,
      seed: 8,
    });
    expectMatchesReference(steps, [31, 32], 'none', mask);
    const context = [...prompt];
    for (const step of steps) {
      const base = randomLogProbs(31, context, size);
      const best = Math.max(...base);
      const kept = [...base.keys()].filter((token) => base[token]! >= Math.log(0.1) + best);
      const finite = [...step.logProbs.keys()].filter((token) => Number.isFinite(step.logProbs[token]!));
      expect(finite).toEqual(kept);
      expect(kept).toContain(step.token);
      context.push(step.token);
    }
    expect(result.tokens.every((token) => token.probability > 0)).toBe(true);
  });

  it('without the mask, a negative weight promotes tokens the base model finds implausible', async () => {
    // The amateur puts almost nothing on token 0, which the expert also dislikes: expert − amateur loves it.
    const vocabulary = 8;
    const expert = createMockLogitSource({
      vocabulary,
      modelId: 'expert',
      logProbs: () => [-12, -0.2, -2, -3, -4, -5, -6, -7],
      normalize: true,
    });
    const amateur = createMockLogitSource({
      vocabulary,
      modelId: 'amateur',
      logProbs: () => [-40, -0.3, -2, -3, -4, -5, -6, -7],
      normalize: true,
    });
    const options = {
      sources: [expert, amateur],
      weights: [1, -1],
      normalization: 'none' as const,
      promptTokens: [1],
      maxTokens: 1,
      temperature: 0,
    };
    expect((await blend(options)).tokens[0]!.id).toBe(0);
    expect((await blend({ ...options, plausibility: { beta: 0.1 } })).tokens[0]!.id).not.toBe(0);
  });

  it('rules out a token that a negatively weighted source gives −∞ instead of making it +∞', async () => {
    const base = createMockLogitSource({ vocabulary: 4, logProbs: () => [-1, -2, -3, -4], normalize: true });
    const anti = createMockLogitSource({
      vocabulary: 4,
      logProbs: () => [Number.NEGATIVE_INFINITY, Math.log(0.5), Math.log(0.25), Math.log(0.25)],
    });
    let captured: Float64Array | undefined;
    const result = await blend({
      sources: [base, anti],
      weights: [1, -0.5],
      normalization: 'none',
      promptTokens: [0],
      maxTokens: 1,
      temperature: 0,
      onStep: (info) => {
        captured = Float64Array.from(info.logProbs);
      },
    });
    expect(captured![0]).toBe(Number.NEGATIVE_INFINITY);
    expect(result.tokens[0]!.id).not.toBe(0);
    const baseLogProbs = logSoftmax32([-1, -2, -3, -4]);
    const antiLogProbs = [Number.NEGATIVE_INFINITY, Math.log(0.5), Math.log(0.25), Math.log(0.25)];
    const scores = [1, 2, 3].map((token) => baseLogProbs[token]! - 0.5 * Math.fround(antiLogProbs[token]!));
    const logSum = Math.log(scores.reduce((sum, value) => sum + Math.exp(value), 0));
    [1, 2, 3].forEach((token, index) => {
      expect(Math.abs(captured![token]! - (scores[index]! - logSum))).toBeLessThan(1e-9);
    });
  });
});
