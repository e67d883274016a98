import { splitPythonWhitespace } from './python-whitespace.js';

export interface DiversityTokenOptions {
  /**
   * Lower-case before splitting (JavaScript `toLowerCase`, full Unicode case mapping). Default true,
   * so "The" and "the" are one type.
   */
  lowercase?: boolean;
}

/** The tokens lexical diversity counts: whitespace-separated words (Python `str.split()`), punctuation attached. */
export function diversityTokens(text: string, { lowercase = true }: DiversityTokenOptions = {}): string[] {
  return splitPythonWhitespace(lowercase ? text.toLowerCase() : text);
}
