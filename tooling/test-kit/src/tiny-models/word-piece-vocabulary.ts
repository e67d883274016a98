/** Special tokens of every generated BERT vocabulary, at these ids. */
export const bertSpecialTokens = {
  pad: { token: '[PAD]', id: 0 },
  unk: { token: '[UNK]', id: 1 },
  cls: { token: '[CLS]', id: 2 },
  sep: { token: '[SEP]', id: 3 },
  mask: { token: '[MASK]', id: 4 },
} as const;

const specialTokenList = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

const characters = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const punctuation = [...'.,;:!?\'"()[]{}-_/\\@#$%&*+=<>~`^|'];

/**
 * A small default word list: enough common English that test sentences tokenize mostly into whole
 * words; anything else falls back to single-character pieces (`h`, `##e`, ...), never to `[UNK]`.
 */
export const defaultTinyBertWords: readonly string[] =
  `the of and to a in is was it for on that as with by he she
at from his her an were are which this be or has had but not they their its also after first one two new who
been have more when there would into other than time only over some such all can most what where how why
many about between during under while did does do will may could should these those our your my we you
i me him them us what question answer capital city country river mountain world history year people name
paris france london england germany berlin rome italy water fire earth light sound music war king queen
church school university science language english french book film song game team player season state
united states american national government president law court system company market money power energy
cat dog horse bird fish tree flower house car road train ship plane day night week month hello good bad
big small long short old young high low fast slow hot cold red blue green black white yes no very much`
    .split(/\s+/)
    .filter(Boolean);

/**
 * The full vocabulary of a generated tokenizer, in id order: the special tokens, single characters and
 * punctuation, `##` continuations of every character, then `words` (deduplicated, lower-cased).
 */
export function buildWordPieceVocabulary(words: readonly string[] = defaultTinyBertWords): string[] {
  const vocabulary = [
    ...specialTokenList,
    ...characters,
    ...punctuation,
    ...characters.map((character) => `##${character}`),
  ];
  const seen = new Set(vocabulary);
  for (const word of words) {
    const token = word.toLowerCase();
    if (token.length === 0 || /\s/.test(token) || seen.has(token)) continue;
    seen.add(token);
    vocabulary.push(token);
  }
  return vocabulary;
}

/**
 * The `size` most frequent lower-cased words of `texts` (split like BertPreTokenizer: on whitespace and
 * around punctuation), for a generated model whose token counts look like a real one's on those texts.
 */
export function mostFrequentWords(texts: Iterable<string>, size: number): string[] {
  const counts = new Map<string, number>();
  for (const text of texts) {
    const normalized = text
      .toLowerCase()
      .normalize('NFD')
      .replace(/\p{Mn}/gu, '');
    for (const word of normalized.match(/[\p{L}\p{N}]+/gu) ?? []) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, size)
    .map(([word]) => word);
}

/** A Hugging Face `tokenizer.json` for an uncased BERT WordPiece tokenizer over `vocabulary`. */
export function bertTokenizerJson(vocabulary: readonly string[]): Record<string, unknown> {
  const { pad, unk, cls, sep, mask } = bertSpecialTokens;
  for (const special of [pad, unk, cls, sep, mask]) {
    if (vocabulary[special.id] !== special.token) {
      throw new Error(`Vocabulary must have ${special.token} at id ${special.id}.`);
    }
  }
  const specialToken = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [pad, unk, cls, sep, mask].map(({ token, id }) => ({
      id,
      content: token,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [specialToken(cls.token, 0), sequence('A', 0), specialToken(sep.token, 0)],
      pair: [
        specialToken(cls.token, 0),
        sequence('A', 0),
        specialToken(sep.token, 0),
        sequence('B', 1),
        specialToken(sep.token, 1),
      ],
      special_tokens: Object.fromEntries(
        [cls, sep].map(({ token, id }) => [token, { id: token, ids: [id], tokens: [token] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: unk.token,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
    },
  };
}
