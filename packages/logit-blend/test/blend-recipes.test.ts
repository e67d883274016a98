import { InvalidArgumentError } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import { blend, contrastiveDecoding, dexperts, proxyTuning } from '../src/index.js';
import { argmax, maxProbabilityDifference, randomLogProbs, randomSource } from './helpers.js';

const size = 40;

describe('blend recipes', () => {
  it('proxyTuning is base + α·(expert − antiExpert), unnormalized', async () => {
    const recipe = proxyTuning({
      base: randomSource(1, size),
      expert: randomSource(2, size),
      antiExpert: randomSource(3, size),
      alpha: 0.8,
    });
    expect(recipe.weights).toEqual([1, 0.8, -0.8]);
    expect(recipe.normalization).toBe('none');
    expect(recipe.plausibility).toBeUndefined();
    const context = [1];
    await blend({
      ...recipe,
      promptTokens: [1],
      maxTokens: 10,
      seed: 3,
      onStep: ({ logProbs, token }) => {
        const [base, expert, anti] = [1, 2, 3].map((seed) => randomLogProbs(seed, context, size));
        const scores = Array.from(base!, (value, index) => value + 0.8 * (expert![index]! - anti![index]!));
        const max = Math.max(...scores);
        const logSum = max + Math.log(scores.reduce((sum, score) => sum + Math.exp(score - max), 0));
        expect(
          maxProbabilityDifference(
            logProbs,
            scores.map((score) => score - logSum),
          ),
        ).toBeLessThan(1e-6);
        context.push(token.id);
      },
    });
    expect(context.length).toBeGreaterThan(2);
    expect(
      proxyTuning({
        base: randomSource(1, size),
        expert: randomSource(2, size),
        antiExpert: randomSource(3, size),
      }).weights,
    ).toEqual([1, 1, -1]);
  });

  it('dexperts is the same formula with a required α and an optional mask on the base', () => {
    const sources = {
      base: randomSource(1, size),
      expert: randomSource(2, size),
      antiExpert: randomSource(3, size),
    };
    expect(dexperts({ ...sources, alpha: 2 })).toMatchObject({ weights: [1, 2, -2], normalization: 'none' });
    expect(dexperts({ ...sources, alpha: 2, plausibility: 0.05 }).plausibility).toEqual({
      source: 0,
      beta: 0.05,
    });
    expect(() => dexperts({ ...sources, alpha: Number.NaN })).toThrow(InvalidArgumentError);
  });

  it('contrastiveDecoding picks argmax(log p_expert − log p_amateur) among plausible tokens', async () => {
    const recipe = contrastiveDecoding({ expert: randomSource(5, size), amateur: randomSource(6, size) });
    expect(recipe).toMatchObject({
      weights: [1, -1],
      normalization: 'none',
      plausibility: { source: 0, beta: 0.1 },
    });
    const result = await blend({ ...recipe, promptTokens: [2], maxTokens: 12, temperature: 0 });
    const context = [2];
    for (const token of result.tokens) {
      const expert = randomLogProbs(5, context, size);
      const amateur = randomLogProbs(6, context, size);
      const best = Math.max(...expert);
      let choice = -1;
      let choiceScore = Number.NEGATIVE_INFINITY;
      for (let id = 0; id < size; id++) {
        if (expert[id]! < Math.log(0.1) + best) continue;
        const score = expert[id]! - amateur[id]!;
        if (score > choiceScore) {
          choiceScore = score;
          choice = id;
        }
      }
      expect(token.id).toBe(choice);
      context.push(token.id);
    }
    // The contrast changes the choice somewhere: plain greedy on the expert differs.
    const plainGreedy = result.tokens.map((_, step) =>
      argmax(randomLogProbs(5, [2, ...result.tokens.slice(0, step).map((token) => token.id)], size)),
    );
    expect(plainGreedy).not.toEqual(result.tokens.map((token) => token.id));
    const strengthened = contrastiveDecoding({
      expert: randomSource(5, size),
      amateur: randomSource(6, size),
      strength: 0.5,
      plausibility: 0.2,
    });
    expect(strengthened).toMatchObject({ weights: [1.5, -0.5], plausibility: { beta: 0.2 } });
  });
});
