import { type BleuScore, bleuFromStatistics } from './bleu-from-statistics.js';
import { type BleuOptions, resolveBleuOptions } from './bleu-options.js';
import { type BleuStatistics, bleuStatistics, type ReferenceStreams } from './bleu-statistics.js';

export interface CorpusBleuResult extends BleuScore {
  /** Per-sentence sufficient statistics, for bootstrap intervals and sentence scores without re-tokenizing. */
  statistics: BleuStatistics;
}

/**
 * sacreBLEU's `corpus_bleu(hypotheses, referenceStreams)` with its defaults (13a, mixed case, exp
 * smoothing, 4-grams, no effective order, closest reference length): n-gram matches and lengths are
 * summed over the corpus before the precisions are taken, so this is not the mean of sentence BLEU.
 *
 * `referenceStreams[k][i]` is the k-th reference of hypothesis i, exactly sacreBLEU's argument shape
 * (one reference per sentence: `corpusBleu(hypotheses, [references])`).
 */
export function corpusBleu(
  hypotheses: readonly string[],
  referenceStreams: ReferenceStreams,
  options: BleuOptions = {},
): CorpusBleuResult {
  const resolved = resolveBleuOptions(options, false);
  const statistics = bleuStatistics(hypotheses, referenceStreams, resolved);
  return {
    ...bleuFromStatistics(statistics, {
      smoothMethod: resolved.smoothMethod,
      smoothValue: resolved.smoothValue,
      effectiveOrder: resolved.effectiveOrder,
    }),
    statistics,
  };
}
