import { InvalidArgumentError } from '@tonekit/core';
import { type DiversityTokenOptions, diversityTokens } from './diversity-tokens.js';
import { requireTexts } from './require-texts.js';

export interface DistinctNResult {
  /** unique / total; 0 when the responses hold no n-gram at all. */
  value: number;
  /** Distinct n-grams over all responses. */
  unique: number;
  /** n-grams over all responses (a response of w tokens has max(0, w − n + 1)). */
  total: number;
  n: number;
}

/**
 * distinct-n (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural Conversation
 * Models"): distinct n-grams divided by all n-grams, counted over the whole set of responses (corpus
 * level, not averaged per response). N-grams do not cross response boundaries. Tokens: see
 * `diversityTokens` (lower-cased whitespace words by default).
 */
export function distinctN(
  responses: readonly string[],
  n: number,
  options: DiversityTokenOptions = {},
): DistinctNResult {
  requireTexts(responses, 'responses');
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError({ argument: 'n', value: n, message: 'expected an integer >= 1.' });
  }
  const seen = new Set<string>();
  let total = 0;
  for (const response of responses) {
    const tokens = diversityTokens(response, options);
    for (let i = 0; i + n <= tokens.length; i++) {
      // Tokens hold no whitespace, so joining with a space is unambiguous.
      let key = tokens[i]!;
      for (let k = 1; k < n; k++) key += ` ${tokens[i + k]}`;
      seen.add(key);
      total++;
    }
  }
  return { value: total === 0 ? 0 : seen.size / total, unique: seen.size, total, n };
}

/** distinct-1: distinct unigrams / all unigrams over the responses (see `distinctN`). */
export function distinct1(responses: readonly string[], options?: DiversityTokenOptions): DistinctNResult {
  return distinctN(responses, 1, options);
}

/** distinct-2: distinct bigrams / all bigrams over the responses (see `distinctN`). */
export function distinct2(responses: readonly string[], options?: DiversityTokenOptions): DistinctNResult {
  return distinctN(responses, 2, options);
}
