/** llama.cpp token types (`llama_token_type`), as GGUF's `tokenizer.ggml.token_type` stores them. */
export const ggufTokenTypes = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

/** A SentencePiece-style vocabulary in llama.cpp's `llama` tokenizer format. */
export interface SentencePieceVocabulary {
  tokens: string[];
  scores: Float32Array;
  tokenTypes: Int32Array;
  unknownId: number;
  bosId: number;
  eosId: number;
  /** The ChatML markers, so the model's chat template is ChatML and ends turns with a real token. */
  imStartId: number;
  imEndId: number;
}

/** SentencePiece marks a preceding space with U+2581. */
const spaceMarker = '\u2581';

/**
 * Builds a vocabulary that llama.cpp's SPM tokenizer can segment every input with:
 * - the specials `<unk>`, `<s>`, `</s>`, `<|im_start|>`, `<|im_end|>` at ids 0–4;
 * - the 256 byte tokens `<0x00>`…`<0xFF>`, so characters outside the vocabulary fall back to bytes
 *   instead of `<unk>` (and llama.cpp finds its newline token);
 * - every printable ASCII character, and the space marker;
 * - each word as `▁word` with all of its `▁`-prefixes, scored by length: llama.cpp's SPM merges the
 *   highest-scoring adjacent pair whose concatenation is a token, so a chain of prefixes makes whole
 *   words reachable while pieces never merge across a space.
 */
export function buildSentencePieceVocabulary(words: readonly string[]): SentencePieceVocabulary {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const seen = new Set<string>();
  const add = (token: string, score: number, type: number): void => {
    if (seen.has(token)) return;
    seen.add(token);
    tokens.push(token);
    scores.push(score);
    types.push(type);
  };
  for (const special of ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>']) {
    add(special, 0, special === '<unk>' ? ggufTokenTypes.unknown : ggufTokenTypes.control);
  }
  for (let byte = 0; byte < 256; byte++) {
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, 0, ggufTokenTypes.byte);
  }
  add(spaceMarker, -1, ggufTokenTypes.normal);
  for (let code = 0x21; code < 0x7f; code++) add(String.fromCharCode(code), -1, ggufTokenTypes.normal);
  for (const word of words) {
    const piece = spaceMarker + word;
    for (let end = 2; end <= piece.length; end++) add(piece.slice(0, end), end, ggufTokenTypes.normal);
  }
  return {
    tokens,
    scores: Float32Array.from(scores),
    tokenTypes: Int32Array.from(types),
    unknownId: 0,
    bosId: 1,
    eosId: 4,
    imStartId: 3,
    imEndId: 4,
  };
}
