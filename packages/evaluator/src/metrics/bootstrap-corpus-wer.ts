import type { Aggregate } from '../evaluation-metrics.js';
import { type BootstrapOptions, bootstrapConfidenceInterval } from './bootstrap-confidence-interval.js';
import { werFromCounts } from './wer-from-counts.js';
import type { WordErrorStatistics } from './word-error-rate.js';

/**
 * Corpus WER with a seeded percentile bootstrap interval: pairs are resampled with replacement and WER
 * is recomputed from the summed edit counts of each resample. Pass `wordErrorRate(...).statistics`.
 */
export function bootstrapCorpusWer(
  statistics: WordErrorStatistics,
  options: BootstrapOptions = {},
): Aggregate {
  const { values } = statistics;
  const wer = (rows?: Int32Array) => {
    let hits = 0;
    let substitutions = 0;
    let deletions = 0;
    let insertions = 0;
    const count = rows ? rows.length : statistics.count;
    for (let r = 0; r < count; r++) {
      const offset = (rows ? rows[r]! : r) * 4;
      hits += values[offset]!;
      substitutions += values[offset + 1]!;
      deletions += values[offset + 2]!;
      insertions += values[offset + 3]!;
    }
    return werFromCounts({ hits, substitutions, deletions, insertions });
  };
  return { value: wer(), ci: bootstrapConfidenceInterval(statistics.count, wer, options) };
}
