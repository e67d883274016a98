/**
 * One pass over the text computing textstat's three counts at once.
 *
 * textstat computes them separately with regexes: words = `len(remove_punctuation(text).split())`,
 * syllables = the same over `text.lower()`, sentences = `re.findall(r"\b[^.!?]+[.!?]*", text)` minus
 * segments of <= 2 words (each segment's words counted by `lexicon_count` on the segment alone).
 *
 * The regex's matches have a simple shape we exploit: a segment starts at the first word character
 * after the previous segment (the only place `\b` can hold there), runs to the next `.`/`!`/`?`, and
 * swallows the run of terminators that follows. Words are whitespace-delimited tokens with at least one
 * kept character; inside a segment, tokens are clipped at the segment's edges (so "e.g" is one word of
 * the text but one word in each of the segments "e." and "g").
 */
import {
  CharacterClass,
  classifyCodePoint,
  codePointAt,
  isKeptApostrophe,
} from './python-character-classes.js';
import { countTokenSyllables } from './syllable-counter.js';
import type { ReadabilityMode } from './types.js';

export interface TextCounts {
  /** textstat lexicon_count. */
  words: number;
  /** Sentence segments with more than two words, before textstat's max(1, n) and empty-text rules. */
  longSegments: number;
  /** textstat syllable_count. */
  syllables: number;
}

enum SegmentState {
  Outside = 0,
  Body = 1,
  Terminators = 2,
}

export function scanText(text: string, mode: ReadabilityMode): TextCounts {
  const keepApostrophes = mode === 'textstat-0.7.11';
  let words = 0;
  let syllables = 0;
  let longSegments = 0;

  let tokenStart = -1;
  let tokenHasKept = false;

  let segment = SegmentState.Outside;
  let segmentWords = 0;
  let segmentTokenHasKept = false;

  const length = text.length;
  for (let i = 0; i < length; ) {
    const codePoint = codePointAt(text, i);
    const width = codePoint > 0xffff ? 2 : 1;
    const characterClass = classifyCodePoint(codePoint);

    if (segment === SegmentState.Terminators && characterClass !== CharacterClass.SentenceTerminator) {
      if (segmentTokenHasKept) segmentWords++;
      if (segmentWords > 2) longSegments++;
      segment = SegmentState.Outside;
    }
    if (segment === SegmentState.Outside && characterClass === CharacterClass.Word) {
      segment = SegmentState.Body;
      segmentWords = 0;
      segmentTokenHasKept = false;
    }

    if (characterClass === CharacterClass.Space) {
      if (tokenStart >= 0) {
        if (tokenHasKept) {
          words++;
          syllables += countTokenSyllables(text.slice(tokenStart, i), mode);
        }
        tokenStart = -1;
      }
      if (segmentTokenHasKept) {
        segmentWords++;
        segmentTokenHasKept = false;
      }
    } else {
      if (tokenStart < 0) {
        tokenStart = i;
        tokenHasKept = false;
      }
      if (
        characterClass === CharacterClass.Word ||
        (characterClass === CharacterClass.Apostrophe && keepApostrophes && isKeptApostrophe(text, i + 1))
      ) {
        tokenHasKept = true;
        if (segment !== SegmentState.Outside) segmentTokenHasKept = true;
      } else if (characterClass === CharacterClass.SentenceTerminator && segment === SegmentState.Body) {
        segment = SegmentState.Terminators;
      }
    }
    i += width;
  }

  // A token whose original-case form has no kept character cannot gain one by lower-casing (an
  // apostrophe is only kept before a word character, which already counts), so skipping it is exact.
  if (tokenStart >= 0 && tokenHasKept) {
    words++;
    syllables += countTokenSyllables(text.slice(tokenStart), mode);
  }
  if (segment !== SegmentState.Outside) {
    if (segmentTokenHasKept) segmentWords++;
    if (segmentWords > 2) longSegments++;
  }
  return { words, longSegments, syllables };
}
