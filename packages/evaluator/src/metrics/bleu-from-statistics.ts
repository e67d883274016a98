import { InvalidArgumentError } from '@tonekit/core';
import { type BleuOptions, resolveBleuOptions } from './bleu-options.js';
import { bleuSignature } from './bleu-signature.js';
import { type BleuStatistics, sumBleuStatistics } from './bleu-statistics.js';
import { type BleuValues, computeBleu } from './compute-bleu.js';

/** A BLEU score with its sacreBLEU signature. */
export interface BleuScore extends BleuValues {
  /** e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`. */
  signature: string;
}

/**
 * Corpus BLEU from per-sentence statistics, over all sentences or over `rows` (indices, repeats
 * allowed: a bootstrap resample). Scoring options (smoothing, effective order) may differ from the
 * ones the statistics were built with; tokenization and case come from the statistics.
 */
export function bleuFromStatistics(
  statistics: BleuStatistics,
  options: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder'> = {},
  rows?: ArrayLike<number>,
): BleuScore {
  const resolved = resolveBleuOptions(
    {
      ...options,
      lowercase: statistics.lowercase,
      tokenize: statistics.tokenize,
      maxNgramOrder: statistics.maxNgramOrder,
    },
    false,
  );
  if (rows !== undefined) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (!Number.isInteger(row) || row < 0 || row >= statistics.count) {
        throw new InvalidArgumentError({
          argument: `rows[${i}]`,
          value: row,
          message: `expected a row index in [0, ${statistics.count}).`,
        });
      }
    }
  }
  const values = computeBleu(sumBleuStatistics(statistics, rows), resolved);
  return {
    ...values,
    signature: bleuSignature({ ...resolved, nrefs: statistics.nrefs }),
  };
}
