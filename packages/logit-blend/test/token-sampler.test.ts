import { describe, expect, it } from 'vitest';
import { createLogProbBlender } from '../src/blend-log-probs.js';
import { createSeededRandom } from '../src/seeded-random.js';
import {
  createTokenSampler,
  kthLargest,
  type ResolvedSampling,
  resolveSampling,
} from '../src/token-sampler.js';
import { pseudoScores } from './helpers.js';

/** A normalized distribution as the blender hands it to the sampler. */
function distributionOf(scores: ArrayLike<number>) {
  const blender = createLogProbBlender(scores.length, 1);
  blender.blend([Float32Array.from(scores)], [1], 'sum', undefined, 0);
  return {
    logProbs: Float64Array.from(blender.logProbs),
    probabilities: Float64Array.from(blender.probabilities),
    argmax: blender.argmax,
  };
}

/**
 * Reference: temperature, then top-k, top-p, min-p on full sorts, each on the renormalized result of the
 * previous one. Ties are ordered by id, as the sampler documents.
 */
function referenceDistribution(logProbs: Float64Array, sampling: ResolvedSampling): Map<number, number> {
  const { temperature, topK, topP, minP } = sampling;
  const max = Math.max(...logProbs);
  let entries = [...logProbs.keys()]
    .map((token) => ({ token, weight: Math.exp((logProbs[token]! - max) / temperature) }))
    .filter((entry) => entry.weight > 0);
  const sorted = () => [...entries].sort((a, b) => b.weight - a.weight || a.token - b.token);
  const total = () => entries.reduce((sum, entry) => sum + entry.weight, 0);
  if (topK > 0) entries = sorted().slice(0, topK);
  if (topP < 1) {
    const target = topP * total();
    const ordered = sorted();
    let sum = 0;
    let keep = ordered.length;
    for (let index = 0; index < ordered.length; index++) {
      sum += ordered[index]!.weight;
      if (sum >= target) {
        keep = index + 1;
        break;
      }
    }
    entries = ordered.slice(0, keep);
  }
  if (minP > 0) {
    const best = Math.max(...entries.map((entry) => entry.weight));
    entries = entries.filter((entry) => entry.weight >= minP * best);
  }
  const mass = total();
  return new Map(entries.map((entry) => [entry.token, entry.weight / mass]));
}

function expectSameDistribution(actual: Map<number, number>, expected: Map<number, number>) {
  expect([...actual.keys()].sort((a, b) => a - b)).toEqual([...expected.keys()].sort((a, b) => a - b));
  for (const [token, probability] of expected)
    expect(Math.abs(actual.get(token)! - probability)).toBeLessThan(1e-12);
}

const settings: ResolvedSampling[] = [
  resolveSampling({}),
  resolveSampling({ temperature: 0.7 }),
  resolveSampling({ topK: 1 }),
  resolveSampling({ topK: 5 }),
  resolveSampling({ topK: 40, temperature: 1.3 }),
  resolveSampling({ topP: 0.5 }),
  resolveSampling({ topP: 0.9, temperature: 0.8 }),
  resolveSampling({ topP: 0.999 }),
  resolveSampling({ minP: 0.05 }),
  resolveSampling({ minP: 0.5, temperature: 2 }),
  resolveSampling({ topK: 50, topP: 0.8, minP: 0.02, temperature: 0.9 }),
  resolveSampling({ topK: 3, topP: 0.95 }),
];

describe('token sampler: truncation against reference implementations', () => {
  for (const size of [7, 300, 5000]) {
    it(`matches temperature/top-k/top-p/min-p on a vocabulary of ${size}`, () => {
      const sampler = createTokenSampler(size);
      for (let seed = 0; seed < 4; seed++) {
        // Flatter distributions push the nucleus past the first 64-token head.
        const { logProbs, probabilities, argmax } = distributionOf(
          pseudoScores(seed, [seed], size, seed % 2 ? 0.3 : 3),
        );
        for (const sampling of settings) {
          expectSameDistribution(
            sampler.distribution(logProbs, probabilities, argmax, sampling),
            referenceDistribution(logProbs, sampling),
          );
        }
      }
    });
  }

  it('handles ties at the top-k boundary and tokens ruled out (−∞)', () => {
    const scores = [0, 1, 1, 1, Number.NEGATIVE_INFINITY, 1, 0.5, Number.NEGATIVE_INFINITY];
    const { logProbs, probabilities, argmax } = distributionOf(scores);
    const sampler = createTokenSampler(scores.length);
    const topTwo = sampler.distribution(logProbs, probabilities, argmax, resolveSampling({ topK: 2 }));
    expect([...topTwo.keys()].sort()).toEqual([1, 2]);
    expectSameDistribution(
      sampler.distribution(logProbs, probabilities, argmax, resolveSampling({ topK: 7, topP: 0.99 })),
      referenceDistribution(logProbs, resolveSampling({ topK: 7, topP: 0.99 })),
    );
    const all = sampler.distribution(logProbs, probabilities, argmax, resolveSampling({}));
    expect(all.has(4)).toBe(false);
    expect(all.has(7)).toBe(false);
  });

  it('handles a nucleus of a few tokens and one of thousands', () => {
    const { logProbs, probabilities, argmax } = distributionOf(pseudoScores(5, [1], 20_000, 4));
    const sampler = createTokenSampler(20_000);
    const nucleus = sampler.distribution(logProbs, probabilities, argmax, resolveSampling({ topP: 0.3 }));
    expectSameDistribution(nucleus, referenceDistribution(logProbs, resolveSampling({ topP: 0.3 })));
    expect(nucleus.size).toBeLessThan(64);
    // A flat distribution needs a nucleus of thousands.
    const flat = distributionOf(pseudoScores(6, [1], 20_000, 0.2));
    const wide = sampler.distribution(
      flat.logProbs,
      flat.probabilities,
      flat.argmax,
      resolveSampling({ topP: 0.9 }),
    );
    expectSameDistribution(wide, referenceDistribution(flat.logProbs, resolveSampling({ topP: 0.9 })));
    expect(wide.size).toBeGreaterThan(4096);
  });

  it('finds the k-th largest value like a full sort does', () => {
    const random = createSeededRandom(3);
    for (const length of [1, 2, 10, 601, 5000]) {
      const values = Float64Array.from({ length }, () => Math.round(random() * 50));
      const sorted = [...values].sort((a, b) => b - a);
      for (const k of [1, Math.ceil(length / 3), length]) {
        expect(kthLargest(Float64Array.from(values), length, k)).toBe(sorted[k - 1]);
      }
    }
  });
});

describe('token sampler: drawing', () => {
  it('is greedy at temperature 0, ties to the lowest id', () => {
    const { logProbs, probabilities, argmax } = distributionOf([0, 2, 2, 1]);
    const sampled = createTokenSampler(4).sample(
      logProbs,
      probabilities,
      argmax,
      resolveSampling({ temperature: 0 }),
      () => {
        throw new Error('greedy draws no random number');
      },
    );
    expect(sampled).toEqual({ token: 1, probability: 1 });
  });

  it('repeats itself for the same seed and differs for another', () => {
    const { logProbs, probabilities, argmax } = distributionOf(pseudoScores(1, [2], 100, 1));
    const draw = (seed: number) => {
      const sampler = createTokenSampler(100);
      const random = createSeededRandom(seed);
      return Array.from(
        { length: 50 },
        () => sampler.sample(logProbs, probabilities, argmax, resolveSampling({ topP: 0.95 }), random).token,
      );
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(Array.from({ length: 4 }, createSeededRandom(7).bind(null))).toEqual(
      Array.from({ length: 4 }, createSeededRandom(7).bind(null)),
    );
  });

  it('draws tokens with the frequencies of the tempered distribution (chi-square, fixed seed)', () => {
    const scores = [1.2, 0.3, -0.4, 2.0, 0.0, -1.5, 0.9, 0.1];
    const { logProbs, probabilities, argmax } = distributionOf(scores);
    const sampling = resolveSampling({ temperature: 0.7 });
    const sampler = createTokenSampler(scores.length);
    const expected = referenceDistribution(logProbs, sampling);
    const random = createSeededRandom(20_240_601);
    const draws = 40_000;
    const counts = new Array<number>(scores.length).fill(0);
    let reportedMatches = true;
    for (let draw = 0; draw < draws; draw++) {
      const { token, probability } = sampler.sample(logProbs, probabilities, argmax, sampling, random);
      counts[token]!++;
      if (Math.abs(probability - expected.get(token)!) > 1e-12) reportedMatches = false;
    }
    expect(reportedMatches).toBe(true);
    let chiSquare = 0;
    counts.forEach((count, token) => {
      const mean = draws * expected.get(token)!;
      chiSquare += (count - mean) ** 2 / mean;
    });
    // 7 degrees of freedom: P(χ² > 24.32) = 0.001.
    expect(chiSquare).toBeLessThan(24.32);
    // A sampler ignoring the temperature would be far off: the untempered distribution fails the same test.
    const untempered = referenceDistribution(logProbs, resolveSampling({}));
    let wrong = 0;
    counts.forEach((count, token) => {
      const mean = draws * untempered.get(token)!;
      wrong += (count - mean) ** 2 / mean;
    });
    expect(wrong).toBeGreaterThan(100);
  });

  it('draws only tokens inside the truncated set, with the truncated probabilities', () => {
    const { logProbs, probabilities, argmax } = distributionOf(pseudoScores(9, [9], 500, 2));
    const sampling = resolveSampling({ topK: 20, topP: 0.7, minP: 0.1 });
    const sampler = createTokenSampler(500);
    const allowed = referenceDistribution(logProbs, sampling);
    const random = createSeededRandom(1);
    for (let draw = 0; draw < 2000; draw++) {
      const { token, probability } = sampler.sample(logProbs, probabilities, argmax, sampling, random);
      expect(allowed.get(token)).toBeCloseTo(probability, 12);
    }
  });

  it('rejects out-of-range settings', () => {
    expect(() => resolveSampling({ temperature: -1 })).toThrow(/temperature/);
    expect(() => resolveSampling({ topK: 1.5 })).toThrow(/topK/);
    expect(() => resolveSampling({ topP: 0 })).toThrow(/topP/);
    expect(() => resolveSampling({ minP: 2 })).toThrow(/minP/);
  });
});
