/**
 * Syllables of one whitespace-delimited token, the way textstat's `syllable_count` sees it:
 * remove punctuation (mode rules), lower-case, then CMUdict's first pronunciation or pyphen + 1.
 */
import { hyphEnUsPatterns } from './data/generated/hyph-en-us-patterns.js';
import { createLiangHyphenator, type LiangHyphenator } from './liang-hyphenator.js';
import {
  CharacterClass,
  classifyCodePoint,
  codePointAt,
  isKeptApostrophe,
} from './python-character-classes.js';
import { getSyllableDictionary } from './syllable-dictionaries.js';
import type { ReadabilityMode } from './types.js';

let hyphenator: LiangHyphenator | undefined;

function getHyphenator(): LiangHyphenator {
  hyphenator ??= createLiangHyphenator(hyphEnUsPatterns, { left: 2, right: 2 });
  return hyphenator;
}

/**
 * textstat's punctuation removal applied to a single token: 0.7.5 keeps `[\w]`; 0.7.11 keeps `[\w']`
 * after deleting apostrophes that do not start a contraction suffix.
 */
export function removePunctuation(token: string, mode: ReadabilityMode): string {
  const keepApostrophes = mode === 'textstat-0.7.11';
  // Copies runs of kept characters as slices: most tokens are one run ("word", "word,").
  let kept = '';
  let runStart = 0;
  for (let i = 0; i < token.length; ) {
    const codePoint = codePointAt(token, i);
    const width = codePoint > 0xffff ? 2 : 1;
    const characterClass = classifyCodePoint(codePoint);
    const keep =
      characterClass === CharacterClass.Word ||
      (characterClass === CharacterClass.Apostrophe && keepApostrophes && isKeptApostrophe(token, i + 1));
    if (!keep) {
      if (i > runStart) kept += token.slice(runStart, i);
      runStart = i + width;
    }
    i += width;
  }
  if (runStart === 0) return token;
  if (token.length > runStart) kept += token.slice(runStart);
  return kept;
}

/** Syllables of a word that has already been lower-cased and stripped of punctuation. */
export function countWordSyllables(word: string, mode: ReadabilityMode): number {
  if (word === '') return 0;
  const fromDictionary = getSyllableDictionary(mode).get(word);
  if (fromDictionary !== undefined) return fromDictionary;
  return getHyphenator().countPositions(word) + 1;
}

// Tokens repeat heavily in real text ("the", "and,"), so the full token → syllables result is cached.
// The cache is bounded: cleared when it grows past this many entries.
const maxCachedTokens = 100_000;
const tokenCaches: Record<ReadabilityMode, Map<string, number>> = {
  'textstat-0.7.11': new Map(),
  'textstat-0.7.5': new Map(),
};

/** Syllables of one raw token (no whitespace inside), punctuation and case as in the source text. */
export function countTokenSyllables(token: string, mode: ReadabilityMode): number {
  const cache = tokenCaches[mode];
  let syllables = cache.get(token);
  if (syllables === undefined) {
    // Punctuation goes first, then case: the 0.7.11 contraction rule is case-sensitive, so "E''TAINING"
    // loses both apostrophes while "'starved" keeps its one (both verified against textstat's output).
    syllables = countWordSyllables(removePunctuation(token, mode).toLowerCase(), mode);
    if (cache.size >= maxCachedTokens) cache.clear();
    cache.set(token, syllables);
  }
  return syllables;
}

/** Empties the token caches (benchmarks use it to measure cold throughput). Not part of the public API. */
export function clearTokenCaches(): void {
  for (const cache of Object.values(tokenCaches)) cache.clear();
}
