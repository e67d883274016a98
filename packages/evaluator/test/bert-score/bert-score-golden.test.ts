import { readFileSync } from 'node:fs';
import type { TokenEmbedder, TokenEmbedding } from '@tonekit/core';
import { describe, expect, it } from 'vitest';
import {
  type BertScoreValues,
  bertScore,
  ROBERTA_LARGE_LAYER_17_BASELINE,
  rescaleBertScore,
  scoreTokenEmbeddings,
} from '../../src/bert-score/index.js';

// Written by packages/evaluator/scripts/generate-bertscore-golden.py (numpy only): bert_score's
// greedy_cos_idf with idf off, computed in float32 as bert_score does and in float64.
interface GoldenText {
  tokenIds: number[];
  special: boolean[];
  vectors: string;
}
interface GoldenCase {
  name: string;
  dimensions: number;
  candidate: GoldenText;
  references: GoldenText[];
  float32: BertScoreValues;
  float64: BertScoreValues;
  rescaledFloat32: BertScoreValues;
  rescaledFloat64: BertScoreValues;
}
const golden = JSON.parse(
  readFileSync(new URL('../fixtures/bert-score-golden.json', import.meta.url), 'utf8'),
) as { baseline: BertScoreValues; cases: GoldenCase[] };

function decode(text: GoldenText): TokenEmbedding {
  const bytes = Buffer.from(text.vectors, 'base64');
  // Copy into an aligned buffer: a Buffer's offset into Node's pool need not be a multiple of 4.
  const vectors = new Float32Array(new Uint8Array(bytes).buffer);
  return { tokenIds: text.tokenIds, special: text.special, vectors };
}

function largestDifference(actual: BertScoreValues, expected: BertScoreValues): number {
  return Math.max(
    Math.abs(actual.precision - expected.precision),
    Math.abs(actual.recall - expected.recall),
    Math.abs(actual.f1 - expected.f1),
  );
}

function bestOf(candidate: TokenEmbedding, references: TokenEmbedding[]): BertScoreValues {
  const all = references.map((reference) => scoreTokenEmbeddings(candidate, reference));
  return {
    precision: Math.max(...all.map((values) => values.precision)),
    recall: Math.max(...all.map((values) => values.recall)),
    f1: Math.max(...all.map((values) => values.f1)),
  };
}

describe('BERTScore against the bert_score golden fixture', () => {
  it('uses the DESIGN baseline for roberta-large layer 17', () => {
    expect(golden.baseline).toEqual(ROBERTA_LARGE_LAYER_17_BASELINE);
    expect(golden.cases.length).toBeGreaterThanOrEqual(20);
  });

  it('matches the float64 computation to 1e-12 and bert_score float32 arithmetic to 1e-6, raw and rescaled', () => {
    let worstFloat32 = 0;
    for (const testCase of golden.cases) {
      const values = bestOf(decode(testCase.candidate), testCase.references.map(decode));
      const rescaled = rescaleBertScore(values, golden.baseline);
      expect(largestDifference(values, testCase.float64), testCase.name).toBeLessThan(1e-12);
      expect(largestDifference(rescaled, testCase.rescaledFloat64), testCase.name).toBeLessThan(1e-12);
      worstFloat32 = Math.max(
        worstFloat32,
        largestDifference(values, testCase.float32),
        largestDifference(rescaled, testCase.rescaledFloat32),
      );
    }
    expect(worstFloat32).toBeLessThan(1e-6);
  });

  it('scores identical texts 1 and empty texts 0, with negative maxima kept', () => {
    const byName = new Map(golden.cases.map((testCase) => [testCase.name, testCase]));
    const identical = byName.get('identical texts')!;
    const values = scoreTokenEmbeddings(decode(identical.candidate), decode(identical.references[0]!));
    expect(values.f1).toBeCloseTo(1, 12);
    for (const name of ['empty candidate', 'empty reference', 'both empty']) {
      const testCase = byName.get(name)!;
      expect(scoreTokenEmbeddings(decode(testCase.candidate), decode(testCase.references[0]!))).toEqual({
        precision: 0,
        recall: 0,
        f1: 0,
      });
    }
    expect(byName.get('random 4x3')!.float64.precision).toBeLessThan(0);
  });

  it('bertScore over a fake token embedder gives the same per-pair values and their means', async () => {
    const cases = golden.cases.filter((testCase) => testCase.dimensions === 32);
    const byText = new Map<string, TokenEmbedding>();
    const candidates: string[] = [];
    const references: string[][] = [];
    cases.forEach((testCase, index) => {
      candidates.push(`candidate ${index}`);
      byText.set(`candidate ${index}`, decode(testCase.candidate));
      references.push(
        testCase.references.map((reference, referenceIndex) => {
          byText.set(`reference ${index}.${referenceIndex}`, decode(reference));
          return `reference ${index}.${referenceIndex}`;
        }),
      );
    });
    const calls: string[][] = [];
    const tokenEmbedder: TokenEmbedder = {
      specificationVersion: 'v1',
      provider: 'fixture',
      modelId: 'golden-fixture',
      dimensions: 32,
      maxBatchSize: 5,
      async doEmbedTokens({ values }) {
        calls.push(values);
        return { embeddings: values.map((value) => byText.get(value)!) };
      },
    };
    for (const rescaleWithBaseline of [false, true]) {
      const result = await bertScore({
        candidates,
        references,
        tokenEmbedder,
        rescaleWithBaseline,
        batchSize: 4,
      });
      expect(result.model).toBe('golden-fixture');
      expect(result.rescaled).toBe(rescaleWithBaseline);
      expect(result.baseline).toEqual(rescaleWithBaseline ? ROBERTA_LARGE_LAYER_17_BASELINE : undefined);
      const expected = cases.map((testCase) =>
        rescaleWithBaseline ? testCase.rescaledFloat64 : testCase.float64,
      );
      result.scores.forEach((values, index) => {
        expect(largestDifference(values, expected[index]!)).toBeLessThan(1e-12);
      });
      const mean = (key: keyof BertScoreValues) =>
        expected.reduce((sum, values) => sum + values[key], 0) / expected.length;
      expect(
        largestDifference(result.mean, {
          precision: mean('precision'),
          recall: mean('recall'),
          f1: mean('f1'),
        }),
      ).toBeLessThan(1e-12);
    }
    expect(Math.max(...calls.map((values) => values.length))).toBeLessThanOrEqual(5);
  });
});
