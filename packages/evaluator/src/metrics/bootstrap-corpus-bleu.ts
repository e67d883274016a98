import type { Aggregate } from '../evaluation-metrics.js';
import { type BleuOptions, resolveBleuOptions } from './bleu-options.js';
import { type BleuStatistics, sumBleuStatistics } from './bleu-statistics.js';
import { type BootstrapOptions, bootstrapConfidenceInterval } from './bootstrap-confidence-interval.js';
import { computeBleu } from './compute-bleu.js';

export type BootstrapCorpusBleuOptions = BootstrapOptions &
  Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder'>;

/**
 * Corpus BLEU with a seeded percentile bootstrap interval: pairs are resampled with replacement and
 * corpus BLEU is recomputed from the summed sufficient statistics of each resample (no re-tokenizing),
 * the paired-bootstrap recipe of Koehn (2004). Pass `corpusBleu(...).statistics`.
 */
export function bootstrapCorpusBleu(
  statistics: BleuStatistics,
  options: BootstrapCorpusBleuOptions = {},
): Aggregate {
  const resolved = resolveBleuOptions({ ...options, maxNgramOrder: statistics.maxNgramOrder }, false);
  const score = (rows?: Int32Array) => computeBleu(sumBleuStatistics(statistics, rows), resolved).score;
  return { value: score(), ci: bootstrapConfidenceInterval(statistics.count, score, options) };
}
