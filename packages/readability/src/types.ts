/**
 * Which textstat release to reproduce bit for bit.
 * - `textstat-0.7.11`: the latest textstat; no rounding, keeps contraction apostrophes, NLTK cmudict 0.7a.
 * - `textstat-0.7.5`: the release closest to the seed paper's numbers; rounds intermediate ratios,
 *   strips every apostrophe, python-cmudict 1.0.32 data.
 */
export type ReadabilityMode = 'textstat-0.7.11' | 'textstat-0.7.5';

export const READABILITY_MODES: readonly ReadabilityMode[] = ['textstat-0.7.11', 'textstat-0.7.5'];

export const DEFAULT_READABILITY_MODE: ReadabilityMode = 'textstat-0.7.11';

/** Seed A's evaluation threshold: an answer is conversational when its Flesch reading ease is >= 60. */
export const CONVERSATIONAL_THRESHOLD = 60;

/** Seed A's data-generation threshold: a rephrased answer is kept when its Flesch reading ease is >= 75. */
export const REPHRASE_THRESHOLD = 75;

export interface ReadabilityOptions {
  /** Defaults to `textstat-0.7.11`. */
  mode?: ReadabilityMode;
}

/** Every count and score of one text, computed in a single pass. Field names follow textstat's. */
export interface TextStatistics {
  mode: ReadabilityMode;
  /** textstat `lexicon_count`: words after punctuation removal. */
  lexiconCount: number;
  /** textstat `sentence_count` as textstat returns it (0.7.11 returns 0 for empty text). */
  sentenceCount: number;
  /** textstat `syllable_count`. */
  syllableCount: number;
  /** textstat `flesch_reading_ease`. */
  fleschReadingEase: number;
  /** textstat `flesch_kincaid_grade`. */
  fleschKincaidGrade: number;
}
