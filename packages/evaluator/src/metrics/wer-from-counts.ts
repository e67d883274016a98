import type { EditCounts } from './levenshtein-edit-counts.js';

/**
 * jiwer 4's WER from summed counts: (S + D + I) / (H + S + D); with no reference words at all, the
 * number of insertions (jiwer's rule for empty references).
 */
export function werFromCounts({ hits, substitutions, deletions, insertions }: EditCounts): number {
  const referenceWords = hits + substitutions + deletions;
  if (referenceWords === 0) return insertions;
  return (substitutions + deletions + insertions) / referenceWords;
}
