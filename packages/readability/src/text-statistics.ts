import { legacyRound } from './legacy-round.js';
import { scanText } from './scan-text.js';
import { DEFAULT_READABILITY_MODE, type ReadabilityOptions, type TextStatistics } from './types.js';

// Flesch (1948) and Kincaid et al. (1975) constants, as textstat uses them for English.
const freBase = 206.835;
const freSentenceLength = 1.015;
const freSyllablesPerWord = 84.6;
const fkgSentenceLength = 0.39;
const fkgSyllablesPerWord = 11.8;
const fkgBase = 15.59;

/**
 * Every count and both Flesch scores of a text in one pass, bit-identical to the selected textstat
 * release (see ReadabilityMode). Use this when you need more than one number.
 */
export function textStatistics(
  text: string,
  { mode = DEFAULT_READABILITY_MODE }: ReadabilityOptions = {},
): TextStatistics {
  assertText(text);
  const { words, longSegments, syllables } = scanText(text, mode);

  if (mode === 'textstat-0.7.5') {
    const sentences = Math.max(1, longSegments);
    // Division by zero returns 0.0 in textstat; sentences is never 0 here.
    const wordsPerSentence = legacyRound(words / sentences, 1);
    const syllablesPerWord = words === 0 ? 0 : legacyRound(syllables / words, 1);
    return {
      mode,
      lexiconCount: words,
      sentenceCount: sentences,
      syllableCount: syllables,
      fleschReadingEase: legacyRound(
        freBase - freSentenceLength * wordsPerSentence - freSyllablesPerWord * syllablesPerWord,
        2,
      ),
      fleschKincaidGrade: legacyRound(
        fkgSentenceLength * wordsPerSentence + fkgSyllablesPerWord * syllablesPerWord - fkgBase,
        1,
      ),
    };
  }

  // textstat 0.7.11: no rounding; the empty string has 0 sentences; a zero ratio makes the score 0.0.
  const sentences = text.length === 0 ? 0 : Math.max(1, longSegments);
  const wordsPerSentence = sentences === 0 ? 0 : words / sentences;
  const syllablesPerWord = words === 0 ? 0 : syllables / words;
  const degenerate = wordsPerSentence === 0 || syllablesPerWord === 0;
  return {
    mode,
    lexiconCount: words,
    sentenceCount: sentences,
    syllableCount: syllables,
    fleschReadingEase: degenerate
      ? 0
      : freBase - freSentenceLength * wordsPerSentence - freSyllablesPerWord * syllablesPerWord,
    fleschKincaidGrade: degenerate
      ? 0
      : fkgSentenceLength * wordsPerSentence + fkgSyllablesPerWord * syllablesPerWord - fkgBase,
  };
}

function assertText(text: unknown): asserts text is string {
  if (typeof text !== 'string') {
    throw new TypeError(
      `readability: expected text to be a string, got ${text === null ? 'null' : typeof text}`,
    );
  }
}
