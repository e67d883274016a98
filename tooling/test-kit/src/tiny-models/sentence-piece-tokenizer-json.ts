import { ggufTokenTypes, type SentencePieceVocabulary } from './gguf/sentence-piece-vocabulary.js';

/** SentencePiece marks a preceding space with U+2581. */
const spaceMarker = '\u2581';

/**
 * The Hugging Face `tokenizer.json` of a vocabulary from `buildSentencePieceVocabulary`, written the way
 * `transformers` converts a (legacy) Llama SentencePiece model, so that Hugging Face tokenizers
 * (transformers.js, Python `tokenizers`) and llama.cpp's SPM tokenizer segment text identically:
 *
 * - the same token strings at the same ids (`model.vocab`), the control tokens as special added tokens
 *   (split out of the text before normalization, as llama.cpp does with `parse_special`);
 * - normalizer `Prepend("▁")` + `Replace(" ", "▁")` applied to each stretch of text between special
 *   tokens, which is llama.cpp's "add a space prefix to the first fragment and after every special token";
 * - BPE with one merge per word prefix (`▁ca` + `t` → `▁cat`), ranked by the SPM score of the result:
 *   llama.cpp merges the highest-scoring adjacent pair whose concatenation is a token, and in this
 *   vocabulary the only multi-character tokens are `▁`-prefixed word prefixes, so the merges and the
 *   SPM search reach the same pieces; `byte_fallback` turns characters outside the vocabulary into
 *   `<0xNN>` tokens as llama.cpp does;
 * - a `<s>` post-processor (the GGUF has `add_bos_token = true`) and the Llama decoder chain (`▁` → space,
 *   byte fallback, fuse, strip one leading space).
 */
export function sentencePieceTokenizerJson(vocabulary: SentencePieceVocabulary): Record<string, unknown> {
  const { tokens, scores, tokenTypes } = vocabulary;
  const ids = new Map<string, number>();
  tokens.forEach((token, id) => {
    ids.set(token, id);
  });
  const merges: Array<{ pair: [string, string]; score: number; id: number }> = [];
  tokens.forEach((token, id) => {
    if (tokenTypes[id] !== ggufTokenTypes.normal) return;
    const characters = Array.from(token);
    if (characters.length < 2) return;
    const left = characters.slice(0, -1).join('');
    const right = characters.at(-1) ?? '';
    if (ids.has(left) && ids.has(right)) merges.push({ pair: [left, right], score: scores[id] ?? 0, id });
  });
  // Higher score first (SPM's priority), then id order, so the file is the same on every run.
  merges.sort((a, b) => b.score - a.score || a.id - b.id);

  const control = tokens.flatMap((token, id) =>
    tokenTypes[id] === ggufTokenTypes.control || tokenTypes[id] === ggufTokenTypes.unknown
      ? [
          {
            id,
            content: token,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
            special: true,
          },
        ]
      : [],
  );
  const bos = tokens[vocabulary.bosId] ?? '<s>';
  const unknown = tokens[vocabulary.unknownId] ?? '<unk>';
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: control,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: spaceMarker },
        { type: 'Replace', pattern: { String: ' ' }, content: spaceMarker },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: bos, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: bos, type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [bos]: { id: bos, ids: [vocabulary.bosId], tokens: [bos] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: spaceMarker }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: unknown,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab: Object.fromEntries(tokens.map((token, id) => [token, id])),
      merges: merges.map(({ pair }) => pair),
    },
  };
}
