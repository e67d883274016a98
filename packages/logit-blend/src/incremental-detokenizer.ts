import type { LogitSource } from '@tonekit/core';

/**
 * Turns generated tokens into text one token at a time, the way vLLM does: decode a short window that
 * starts a few tokens back, and take what it adds over the same window without the new tokens. Both
 * decodes start at the same token, so a tokenizer that treats the first token of a decode specially
 * (SentencePiece dropping its leading space) does so in both and the difference is exact; a window
 * ending in U+FFFD is an incomplete UTF-8 character, held until the byte tokens that finish it arrive.
 * Each step decodes a few tokens instead of the whole answer.
 */
export interface IncrementalDetokenizer {
  /** Appends a token; resolves to the text it completes (often the token's text, sometimes ''). */
  push(token: number): Promise<string>;
  /** The text of tokens still held because they end in an incomplete character, without U+FFFD. */
  flush(): Promise<string>;
}

const replacementCharacter = '\uFFFD';

export function createIncrementalDetokenizer(source: LogitSource): IncrementalDetokenizer {
  const tokens: number[] = [];
  let prefixOffset = 0;
  let readOffset = 0;
  let prefixText = '';
  return {
    async push(token) {
      tokens.push(token);
      const text = await source.detokenize(tokens.slice(prefixOffset));
      if (text.length > prefixText.length && !text.endsWith(replacementCharacter)) {
        const delta = text.slice(prefixText.length);
        prefixOffset = readOffset;
        readOffset = tokens.length;
        prefixText = await source.detokenize(tokens.slice(prefixOffset, readOffset));
        return delta;
      }
      return '';
    },
    async flush() {
      if (readOffset === tokens.length) return '';
      const text = await source.detokenize(tokens.slice(prefixOffset));
      readOffset = tokens.length;
      let end = text.length;
      while (end > prefixText.length && text[end - 1] === replacementCharacter) end--;
      return text.slice(prefixText.length, end);
    },
  };
}
