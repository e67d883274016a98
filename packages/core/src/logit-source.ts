import type { ChatMessage } from './chat-model.js';

/** Ids of the tokens with a special meaning to the model. */
export interface SpecialTokens {
  /** Beginning of sequence, when the model uses one. */
  bos?: number;
  /** Every token that ends generation (chat models often have several, such as `</s>` and `<|eot_id|>`). */
  eos: number[];
  pad?: number;
}

/** What a caller needs to know about a source's tokenizer to blend it with others. */
export interface TokenizerInfo {
  /**
   * Identity of the vocabulary: two sources can be blended if and only if their hashes are equal,
   * because blending adds log-probabilities index by index and feeds one chosen token id to every
   * source. Implementations hash the token strings in id order together with the special tokens.
   */
  readonly vocabularyHash: string;
  readonly vocabularySize: number;
  readonly specialTokens: SpecialTokens;
}

/** Options of `LogitSource.tokenize`. */
export interface TokenizeOptions {
  /** Prepend the BOS token when the model uses one. Defaults to `false`. */
  addSpecialTokens?: boolean;
}

/** Options of `LogitSource.applyChatTemplate`. */
export interface ApplyChatTemplateOptions {
  /** End the prompt with the header of an assistant turn, so the model answers. Defaults to `true`. */
  addGenerationPrompt?: boolean;
}

/** Options of `LogitSource.createSequence`. */
export interface CreateSequenceOptions {
  abortSignal?: AbortSignal;
}

/** Options of `LogitSequence.doNextLogProbs`. */
export interface NextLogProbsOptions {
  /**
   * Tokens to append before predicting: the prompt on the first call, then the one token chosen at each
   * step. The first call must append at least one token.
   */
  tokens: number[];
  abortSignal?: AbortSignal;
}

/**
 * The state of one decoding sequence (a KV cache, for local models). It holds native memory, so it is
 * disposed explicitly or with `await using`.
 */
export interface LogitSequence extends AsyncDisposable {
  /**
   * Appends `tokens` and returns the log-probabilities of every vocabulary entry as the next token
   * (length `vocabularySize`). Log-probabilities rather than raw logits so that sources agree on scale:
   * they differ from logits by a per-step constant, which a weighted average turns into another
   * constant, so blending either gives the same distribution after normalization.
   */
  doNextLogProbs(options: NextLogProbsOptions): Promise<Float32Array>;
  /** Releases the sequence. Idempotent; later `doNextLogProbs` calls reject. */
  dispose(): Promise<void>;
}

/**
 * A model that exposes its next-token distribution, version 1 of the specification. Consumed by
 * logit-blend, which drives several sources token by token and feeds the chosen token to each.
 */
export interface LogitSource {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  readonly modelId: string;
  readonly tokenizer: TokenizerInfo;
  tokenize(text: string, options?: TokenizeOptions): Promise<number[]>;
  detokenize(tokens: number[]): Promise<string>;
  /** Renders messages with the model's own chat template. Absent when the model has none. */
  applyChatTemplate?(messages: ChatMessage[], options?: ApplyChatTemplateOptions): Promise<string>;
  createSequence(options?: CreateSequenceOptions): Promise<LogitSequence>;
}
