import { type BleuOptions, resolveBleuOptions } from './bleu-options.js';
import type { BleuStatistics } from './bleu-statistics.js';
import { computeBleu } from './compute-bleu.js';

/**
 * Sentence BLEU of every sentence of a corpus from its statistics (`corpusBleu(...).statistics`), equal
 * to calling `sentenceBleu` on each pair but without tokenizing again. Effective order is on by
 * default, as in sacreBLEU's `sentence_bleu`.
 */
export function sentenceBleuScores(
  statistics: BleuStatistics,
  options: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder'> = {},
): number[] {
  const resolved = resolveBleuOptions({ ...options, maxNgramOrder: statistics.maxNgramOrder }, true);
  const scores: number[] = [];
  const { width, values } = statistics;
  for (let row = 0; row < statistics.count; row++) {
    scores.push(computeBleu(values.subarray(row * width, (row + 1) * width), resolved).score);
  }
  return scores;
}
