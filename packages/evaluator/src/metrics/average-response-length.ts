import { countPythonWords } from './python-whitespace.js';
import { requireTexts } from './require-texts.js';

export interface AverageResponseLengthResult {
  /** Mean words per response. */
  value: number;
  /** Words of each response, in order (for bootstrap intervals). */
  wordCounts: number[];
}

/**
 * Average response length (ARL): the mean number of whitespace-separated words per response, words
 * as Python's `str.split()` finds them (Unicode whitespace, punctuation stays attached).
 */
export function averageResponseLength(responses: readonly string[]): AverageResponseLengthResult {
  requireTexts(responses, 'responses');
  const wordCounts = responses.map(countPythonWords);
  let total = 0;
  for (const count of wordCounts) total += count;
  return { value: total / wordCounts.length, wordCounts };
}
