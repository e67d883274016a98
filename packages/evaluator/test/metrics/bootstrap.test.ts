import { InvalidArgumentError } from '@tonekit/core';
import { createSeededRandom } from '@tonekit/dataset';
import { describe, expect, it } from 'vitest';
import {
  bootstrapConfidenceInterval,
  bootstrapCorpusBleu,
  bootstrapCorpusWer,
  bootstrapMean,
  corpusBleu,
  wordErrorRate,
} from '../../src/metrics/index.js';
import { type GoldenPairs, loadFixture } from './load-fixture.js';

const { pairs } = loadFixture<GoldenPairs>('golden-pairs.json');
const hypotheses = pairs.map((pair) => pair.hypothesis);
const references = pairs.map((pair) => pair.reference);

describe('bootstrapConfidenceInterval', () => {
  it('draws indices from xoshiro128** with the given seed and takes numpy-style percentiles', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    const seen: number[] = [];
    const ci = bootstrapConfidenceInterval(
      values.length,
      (rows) => {
        seen.push(...rows);
        let sum = 0;
        for (const row of rows) sum += values[row]!;
        return sum / rows.length;
      },
      { resamples: 200, seed: 7 },
    );
    const random = createSeededRandom(7);
    expect(seen).toEqual(Array.from({ length: 2000 }, () => random.nextInt(values.length)));

    // Recompute the interval by hand: sort, then linear interpolation at 2.5% and 97.5%.
    const means: number[] = [];
    for (let b = 0; b < 200; b++) {
      let sum = 0;
      for (let i = 0; i < 10; i++) sum += values[seen[b * 10 + i]!]!;
      means.push(sum / 10);
    }
    means.sort((a, b) => a - b);
    const at = (q: number) => {
      const position = q * (means.length - 1);
      const below = Math.floor(position);
      return means[below]! + (means[below + 1]! - means[below]!) * (position - below);
    };
    expect(ci.lower).toBeCloseTo(at(0.025), 12);
    expect(ci.upper).toBeCloseTo(at(0.975), 12);
    expect(ci).toMatchObject({ level: 0.95, resamples: 200, seed: 7 });
  });

  it('is reproducible, changes with the seed, and narrows with the level', () => {
    const statistic = (rows: Int32Array) => rows.reduce((sum, row) => sum + (row % 7), 0) / rows.length;
    const a = bootstrapConfidenceInterval(500, statistic);
    expect(bootstrapConfidenceInterval(500, statistic)).toEqual(a);
    expect(a).toMatchObject({ level: 0.95, resamples: 1000, seed: 0 });
    expect(bootstrapConfidenceInterval(500, statistic, { seed: 1 })).not.toEqual(a);
    const narrow = bootstrapConfidenceInterval(500, statistic, { level: 0.5 });
    expect(narrow.upper - narrow.lower).toBeLessThan(a.upper - a.lower);
  });

  it('rejects bad options with InvalidArgumentError', () => {
    const statistic = () => 0;
    for (const [run, argument] of [
      [() => bootstrapConfidenceInterval(0, statistic), 'size'],
      [() => bootstrapConfidenceInterval(3, statistic, { level: 1 }), 'options.level'],
      [() => bootstrapConfidenceInterval(3, statistic, { resamples: 0 }), 'options.resamples'],
      [() => bootstrapConfidenceInterval(3, statistic, { seed: 0.5 }), 'options.seed'],
      [() => bootstrapConfidenceInterval(3, () => Number.NaN), 'statistic'],
    ] as const) {
      expect(() => run()).toThrow(InvalidArgumentError);
      try {
        run();
      } catch (error) {
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
    }
  });
});

describe('bootstrapMean', () => {
  it('reports the sample mean with an interval around it', () => {
    const values = Array.from({ length: 400 }, (_, i) => Math.sin(i) * 10 + 50);
    const aggregate = bootstrapMean(values, { seed: 3 });
    expect(aggregate.value).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12);
    expect(aggregate.ci!.lower).toBeLessThan(aggregate.value);
    expect(aggregate.ci!.upper).toBeGreaterThan(aggregate.value);
    expect(() => bootstrapMean([1, Number.NaN])).toThrow(InvalidArgumentError);
  });

  it('collapses to the value for a single pair', () => {
    expect(bootstrapMean([42])).toEqual({
      value: 42,
      ci: { lower: 42, upper: 42, level: 0.95, resamples: 1000, seed: 0 },
    });
  });
});

describe('bootstrap of corpus BLEU and corpus WER', () => {
  it('resamples pairs and recomputes BLEU from sufficient statistics, as rescoring the texts would', () => {
    const corpus = corpusBleu(hypotheses, [references]);
    const aggregate = bootstrapCorpusBleu(corpus.statistics, { resamples: 300, seed: 11 });
    expect(aggregate.value).toBe(corpus.score);
    expect(aggregate.ci!.lower).toBeLessThan(corpus.score);
    expect(aggregate.ci!.upper).toBeGreaterThan(corpus.score);

    // The first resample, rescored from its texts, equals the statistic the bootstrap saw.
    const random = createSeededRandom(11);
    const rows = Array.from({ length: pairs.length }, () => random.nextInt(pairs.length));
    const rescored = corpusBleu(
      rows.map((row) => hypotheses[row]!),
      [rows.map((row) => references[row]!)],
    ).score;
    let first: number | undefined;
    bootstrapConfidenceInterval(
      pairs.length,
      (drawn) => {
        first ??= corpusBleu(
          Array.from(drawn, (row) => hypotheses[row]!),
          [Array.from(drawn, (row) => references[row]!)],
        ).score;
        return 0;
      },
      { resamples: 1, seed: 11 },
    );
    expect(first).toBe(rescored);
  });

  it('recomputes corpus WER from summed counts', () => {
    const wer = wordErrorRate(references, hypotheses);
    const aggregate = bootstrapCorpusWer(wer.statistics, { resamples: 300, seed: 5 });
    expect(aggregate.value).toBe(wer.wer);
    expect(aggregate.ci!.lower).toBeLessThan(wer.wer);
    expect(aggregate.ci!.upper).toBeGreaterThan(wer.wer);
    expect(bootstrapCorpusWer(wer.statistics, { resamples: 300, seed: 5 })).toEqual(aggregate);
  });
});
