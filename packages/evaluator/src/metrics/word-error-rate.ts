import { InvalidArgumentError } from '@tonekit/core';
import { jiwerWords } from './jiwer-words.js';
import { type EditCounts, levenshteinEditCounts } from './levenshtein-edit-counts.js';
import { werFromCounts } from './wer-from-counts.js';

/** Per-pair edit counts, for bootstrap intervals of corpus WER. */
export interface WordErrorStatistics {
  /** Pairs (rows). */
  count: number;
  /** Row-major `count × 4`: hits, substitutions, deletions, insertions. */
  values: Int32Array;
}

export interface WordErrorRateResult extends EditCounts {
  /** (S + D + I) / (H + S + D) over the whole corpus; a fraction, may exceed 1. */
  wer: number;
  /** H + S + D: words in all references. */
  referenceWords: number;
  /** H + S + I: words in all hypotheses. */
  hypothesisWords: number;
  statistics: WordErrorStatistics;
}

/**
 * Corpus word error rate exactly as jiwer 4 computes `jiwer.wer(references, hypotheses)` /
 * `process_words`: the default transform (see `jiwerWords`: case- and punctuation-sensitive), a
 * Levenshtein alignment over words per pair with rapidfuzz's choice among equal-cost alignments, and
 * (S + D + I) / (H + S + D) over the summed counts — not the mean of per-pair rates.
 *
 * Empty references follow jiwer 4: allowed; when every reference is empty the WER is the number of
 * inserted words (0 when every hypothesis is empty too). Empty arrays score 0, as jiwer does.
 */
export function wordErrorRate(
  references: readonly string[],
  hypotheses: readonly string[],
): WordErrorRateResult {
  if (!Array.isArray(references)) {
    throw new InvalidArgumentError({
      argument: 'references',
      value: references,
      message: 'expected an array of strings.',
    });
  }
  if (!Array.isArray(hypotheses) || hypotheses.length !== references.length) {
    throw new InvalidArgumentError({
      argument: 'hypotheses',
      value: Array.isArray(hypotheses) ? hypotheses.length : hypotheses,
      message: `expected ${references.length} hypotheses (one per reference), got ${
        Array.isArray(hypotheses) ? hypotheses.length : typeof hypotheses
      }.`,
    });
  }
  // Words become integers once per corpus, as jiwer's _word2int does, so alignments compare numbers.
  const ids = new Map<string, number>();
  const toIds = (text: unknown, argument: string): number[] => {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError({ argument, value: text, message: 'expected a string.' });
    }
    return jiwerWords(text).map((word) => {
      let id = ids.get(word);
      if (id === undefined) {
        id = ids.size;
        ids.set(word, id);
      }
      return id;
    });
  };
  const values = new Int32Array(references.length * 4);
  const totals: EditCounts = { hits: 0, substitutions: 0, deletions: 0, insertions: 0 };
  for (let i = 0; i < references.length; i++) {
    const counts = levenshteinEditCounts(
      toIds(references[i], `references[${i}]`),
      toIds(hypotheses[i], `hypotheses[${i}]`),
    );
    values[i * 4] = counts.hits;
    values[i * 4 + 1] = counts.substitutions;
    values[i * 4 + 2] = counts.deletions;
    values[i * 4 + 3] = counts.insertions;
    totals.hits += counts.hits;
    totals.substitutions += counts.substitutions;
    totals.deletions += counts.deletions;
    totals.insertions += counts.insertions;
  }
  return {
    wer: werFromCounts(totals),
    ...totals,
    referenceWords: totals.hits + totals.substitutions + totals.deletions,
    hypothesisWords: totals.hits + totals.substitutions + totals.insertions,
    statistics: { count: references.length, values },
  };
}
