/** Whitespace-separated words: the mocks' stand-in for tokens, good enough for usage arithmetic in tests. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}
