import { textStatistics } from './text-statistics.js';
import { CONVERSATIONAL_THRESHOLD, type ReadabilityOptions } from './types.js';

// Single-number views of textStatistics. Each runs the same single pass; call textStatistics when you
// need several numbers of one text.

/** Flesch reading ease (textstat `flesch_reading_ease`): higher is easier; 60+ reads as plain English. */
export function fleschReadingEase(text: string, options?: ReadabilityOptions): number {
  return textStatistics(text, options).fleschReadingEase;
}

/** Flesch–Kincaid grade level (textstat `flesch_kincaid_grade`). */
export function fleschKincaidGrade(text: string, options?: ReadabilityOptions): number {
  return textStatistics(text, options).fleschKincaidGrade;
}

/** Syllables in the text (textstat `syllable_count`): CMUdict first, then Liang hyphenation + 1. */
export function syllableCount(text: string, options?: ReadabilityOptions): number {
  return textStatistics(text, options).syllableCount;
}

/** Words after punctuation removal (textstat `lexicon_count`). */
export function lexiconCount(text: string, options?: ReadabilityOptions): number {
  return textStatistics(text, options).lexiconCount;
}

/** Sentences as textstat counts them: segments of more than two words, at least 1 (0.7.11: 0 for ""). */
export function sentenceCount(text: string, options?: ReadabilityOptions): number {
  return textStatistics(text, options).sentenceCount;
}

export interface ConversationalOptions extends ReadabilityOptions {
  /** Minimum Flesch reading ease; seed A's evaluation uses 60 (the default). */
  threshold?: number;
}

/** Seed A's definition of a conversational answer: Flesch reading ease >= threshold (default 60). */
export function isConversational(
  text: string,
  { threshold = CONVERSATIONAL_THRESHOLD, ...options }: ConversationalOptions = {},
): boolean {
  return fleschReadingEase(text, options) >= threshold;
}
