import type { BertScoreBaseline, BertScoreValues } from './bert-score-baseline.js';

/**
 * Baseline rescaling, (x − b) / (1 − b) per value, as bert_score applies it with `rescale_with_baseline`:
 * unrelated pairs land near 0 and identical texts stay at 1, which spreads roberta-large's raw scores
 * (nearly all within 0.8–1) over a readable range. Rescaled values can be negative.
 *
 * The baseline is rounded to float32 first, because bert_score reads its table with `.float()`.
 */
export function rescaleBertScore(values: BertScoreValues, baseline: BertScoreBaseline): BertScoreValues {
  const rescale = (value: number, base: number) => {
    const b = Math.fround(base);
    return (value - b) / (1 - b);
  };
  return {
    precision: rescale(values.precision, baseline.precision),
    recall: rescale(values.recall, baseline.recall),
    f1: rescale(values.f1, baseline.f1),
  };
}
