import { InvalidArgumentError } from '@tonekit/core';
import type { BleuScore } from './bleu-from-statistics.js';
import { type BleuOptions, resolveBleuOptions } from './bleu-options.js';
import { bleuSignature } from './bleu-signature.js';
import { bleuTokens, SegmentStatisticsCounter } from './bleu-statistics.js';
import { computeBleu } from './compute-bleu.js';

/**
 * sacreBLEU's `sentence_bleu(hypothesis, references)`: BLEU of one hypothesis against one or more
 * references, with effective order on by default (`eff:yes`), so a short sentence without 4-grams is
 * not scored 0 for that reason alone. `null`/`undefined` references are skipped, as sacreBLEU skips
 * `None`. To score every pair of a corpus, `sentenceBleuScores(corpusBleu(...).statistics)` gives the
 * same numbers without tokenizing twice.
 */
export function sentenceBleu(
  hypothesis: string,
  references: readonly (string | null | undefined)[],
  options: BleuOptions = {},
): BleuScore {
  const resolved = resolveBleuOptions(options, true);
  if (typeof hypothesis !== 'string') {
    throw new InvalidArgumentError({
      argument: 'hypothesis',
      value: hypothesis,
      message: 'expected a string.',
    });
  }
  if (!Array.isArray(references)) {
    throw new InvalidArgumentError({
      argument: 'references',
      value: references,
      message: 'expected an array of reference strings.',
    });
  }
  const tokenized: string[][] = [];
  references.forEach((reference, i) => {
    if (reference === null || reference === undefined) return;
    if (typeof reference !== 'string') {
      throw new InvalidArgumentError({
        argument: `references[${i}]`,
        value: reference,
        message: 'expected a string.',
      });
    }
    tokenized.push(bleuTokens(reference, resolved.lowercase, resolved.tokenize));
  });
  if (tokenized.length === 0) {
    throw new InvalidArgumentError({
      argument: 'references',
      value: references,
      message: 'expected at least one reference string.',
    });
  }
  const row = new Float64Array(2 + 2 * resolved.maxNgramOrder);
  new SegmentStatisticsCounter(resolved.maxNgramOrder).write(
    bleuTokens(hypothesis, resolved.lowercase, resolved.tokenize),
    tokenized,
    row,
    0,
  );
  return {
    ...computeBleu(row, resolved),
    signature: bleuSignature({ ...resolved, nrefs: tokenized.length }),
  };
}
