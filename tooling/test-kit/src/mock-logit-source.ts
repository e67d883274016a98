import {
  type ApplyChatTemplateOptions,
  asyncDispose,
  CancelledError,
  type ChatMessage,
  computeVocabularyHash,
  InvalidArgumentError,
  type LogitSequence,
  type LogitSource,
  type SpecialTokens,
  TonekitError,
} from '@tonekit/core';

export interface MockLogitSourceSettings {
  provider?: string;
  modelId?: string;
  /**
   * The token strings in id order, or a size: `n` makes the tokens `<0>`, `<1>`, ... `<n-1>`, so text
   * such as `"<3><1>"` tokenizes to `[3, 1]`.
   */
  vocabulary: string[] | number;
  /**
   * The next-token distribution after `context` (every token appended to the sequence so far): one
   * value per vocabulary entry. Returned as is unless `normalize` is set.
   */
  logProbs: (context: readonly number[]) => Float32Array | number[];
  /** Apply log-softmax to what `logProbs` returns, so it may return arbitrary scores. Defaults to false. */
  normalize?: boolean;
  /** Defaults to a SHA-256 of the vocabulary and special tokens, so equal vocabularies blend. */
  vocabularyHash?: string;
  /** End-of-sequence token id(s). Defaults to the last id. */
  eos?: number | number[];
  bos?: number;
  pad?: number;
  /** When given, the source has `applyChatTemplate` and it renders with this function. */
  chatTemplate?: (messages: ChatMessage[], options: ApplyChatTemplateOptions) => string;
}

/** A sequence of the mock, open for inspection. */
export interface MockLogitSequence extends LogitSequence {
  /** Every token appended so far. */
  readonly tokens: readonly number[];
  /** Number of successful `doNextLogProbs` calls. */
  readonly steps: number;
  readonly disposed: boolean;
}

/** A `LogitSource` with a scripted distribution, and every sequence it created. */
export interface MockLogitSource extends LogitSource {
  readonly vocabulary: readonly string[];
  readonly sequences: readonly MockLogitSequence[];
}

/**
 * Creates a logit source for blending tests.
 *
 * Tokenization is greedy longest match against the vocabulary strings (so a vocabulary of words with
 * their leading spaces, plus single characters, round-trips any text made of them); text with no
 * matching entry is rejected with `InvalidArgumentError`. Detokenization concatenates the strings.
 * Sequences validate every token id before appending any (a rejected call changes nothing), reject
 * after `dispose()` and honor `abortSignal`.
 */
export function createMockLogitSource(settings: MockLogitSourceSettings): MockLogitSource {
  const {
    provider = 'mock',
    modelId = 'mock-logit-source',
    logProbs,
    normalize = false,
    chatTemplate,
  } = settings;
  const vocabulary =
    typeof settings.vocabulary === 'number'
      ? Array.from({ length: checkSize(settings.vocabulary) }, (_, id) => `<${id}>`)
      : [...settings.vocabulary];
  const vocabularySize = vocabulary.length;
  if (vocabularySize === 0) {
    throw new InvalidArgumentError({
      argument: 'vocabulary',
      value: settings.vocabulary,
      message: 'is empty.',
    });
  }
  const checkId = (argument: string, id: number): number => {
    if (!(Number.isInteger(id) && id >= 0 && id < vocabularySize)) {
      throw new InvalidArgumentError({
        argument,
        value: id,
        message: `token id ${id} is not in the vocabulary of ${vocabularySize} tokens.`,
      });
    }
    return id;
  };
  const eosIds = settings.eos === undefined ? [vocabularySize - 1] : [settings.eos].flat();
  const specialTokens: SpecialTokens = { eos: eosIds.map((id) => checkId('eos', id)) };
  if (settings.bos !== undefined) specialTokens.bos = checkId('bos', settings.bos);
  if (settings.pad !== undefined) specialTokens.pad = checkId('pad', settings.pad);
  const vocabularyHash = settings.vocabularyHash ?? computeVocabularyHash(vocabulary, specialTokens);

  const idsByText = new Map<string, number>();
  let longestEntry = 0;
  vocabulary.forEach((text, id) => {
    if (text === '' || idsByText.has(text)) return;
    idsByText.set(text, id);
    longestEntry = Math.max(longestEntry, text.length);
  });

  const sequences: MockLogitSequence[] = [];

  const createSequence = (): MockLogitSequence => {
    const tokens: number[] = [];
    let steps = 0;
    let disposed = false;
    const dispose = async (): Promise<void> => {
      disposed = true;
    };
    return {
      get tokens() {
        return tokens;
      },
      get steps() {
        return steps;
      },
      get disposed() {
        return disposed;
      },
      async doNextLogProbs({ tokens: appended, abortSignal }) {
        if (disposed) throw new TonekitError({ message: 'The sequence has been disposed.' });
        if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
        for (const id of appended) checkId('tokens', id);
        if (tokens.length + appended.length === 0) {
          throw new InvalidArgumentError({
            argument: 'tokens',
            value: appended,
            message: 'the first call must append at least one token (the prompt).',
          });
        }
        const values = logProbs([...tokens, ...appended]);
        if (values.length !== vocabularySize) {
          throw new InvalidArgumentError({
            argument: 'logProbs',
            value: values.length,
            message: `returned ${values.length} values for a vocabulary of ${vocabularySize} tokens.`,
          });
        }
        tokens.push(...appended);
        steps++;
        return normalize ? logSoftmax(values) : Float32Array.from(values);
      },
      dispose,
      [asyncDispose]: dispose,
    };
  };

  const source: MockLogitSource = {
    specificationVersion: 'v1',
    provider,
    modelId,
    tokenizer: { vocabularyHash, vocabularySize, specialTokens },
    vocabulary,
    sequences,
    async tokenize(text, { addSpecialTokens = false } = {}) {
      const ids: number[] = addSpecialTokens && specialTokens.bos !== undefined ? [specialTokens.bos] : [];
      let offset = 0;
      while (offset < text.length) {
        let matched: number | undefined;
        for (let length = Math.min(longestEntry, text.length - offset); length > 0; length--) {
          matched = idsByText.get(text.slice(offset, offset + length));
          if (matched !== undefined) {
            ids.push(matched);
            offset += length;
            break;
          }
        }
        if (matched === undefined) {
          throw new InvalidArgumentError({
            argument: 'text',
            value: text,
            message: `no vocabulary entry matches ${JSON.stringify(text.slice(offset, offset + 10))} at offset ${offset}.`,
          });
        }
      }
      return ids;
    },
    async detokenize(tokens) {
      return tokens.map((id) => vocabulary[checkId('tokens', id)]).join('');
    },
    async createSequence({ abortSignal } = {}) {
      if (abortSignal?.aborted) throw CancelledError.fromSignal(abortSignal);
      const sequence = createSequence();
      sequences.push(sequence);
      return sequence;
    },
  };
  if (chatTemplate !== undefined) {
    source.applyChatTemplate = async (messages, options = {}) =>
      chatTemplate(messages, { addGenerationPrompt: true, ...options });
  }
  return source;
}

function checkSize(size: number): number {
  if (!(Number.isInteger(size) && size >= 1)) {
    throw new InvalidArgumentError({
      argument: 'vocabulary',
      value: size,
      message: `expected a list of token strings or a positive integer size, got ${size}.`,
    });
  }
  return size;
}

/** Computed in float64 so that normalizing already-normalized values changes them as little as possible. */
function logSoftmax(values: ArrayLike<number>): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index++) max = Math.max(max, values[index]!);
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += Math.exp(values[index]! - max);
  const logSum = max + Math.log(sum);
  return Float32Array.from({ length: values.length }, (_, index) => values[index]! - logSum);
}
