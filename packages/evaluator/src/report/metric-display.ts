import type { MetricName } from '../evaluation-metrics.js';

export interface MetricDisplay {
  /** Axis title and column header. */
  title: string;
  /**
   * Decimals printed for our runs. Near the papers' own precision, one more where a bootstrap CI
   * makes the extra digit meaningful; the exact value stays in `data-value` and the cell's title.
   */
  decimals: number;
}

/** How each metric is named and rounded everywhere in the report (tables, axes, mark labels). */
export const metricDisplay: Record<MetricName, MetricDisplay> = {
  conversationalPercent: { title: '% conversational', decimals: 1 },
  fleschMean: { title: 'mean Flesch reading ease', decimals: 1 },
  similarity: { title: 'similarity', decimals: 3 },
  bleu: { title: 'BLEU', decimals: 2 },
  wer: { title: 'WER', decimals: 4 },
  averageResponseLength: { title: 'ARL (words)', decimals: 2 },
  distinct1: { title: 'distinct-1', decimals: 4 },
  distinct2: { title: 'distinct-2', decimals: 4 },
  mattr: { title: 'MATTR', decimals: 4 },
  bertScorePrecision: { title: 'BERTScore P', decimals: 4 },
  bertScoreRecall: { title: 'BERTScore R', decimals: 4 },
  bertScoreF1: { title: 'BERTScore F1', decimals: 4 },
  judgeTurn1: { title: 'MT-Bench turn 1', decimals: 2 },
  judgeTurn2: { title: 'MT-Bench turn 2', decimals: 2 },
  judgeAverage: { title: 'MT-Bench average', decimals: 2 },
};
