/** Who wrote a chat message. */
export type ChatRole = 'system' | 'user' | 'assistant';

/** One turn of a conversation. Content is plain text: tonekit deals in tone, not in images or tools. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/**
 * A JSON Schema document, kept as a plain record so that core depends on no schema library; providers
 * pass it through to the API untouched.
 */
export type JSONSchema = Record<string, unknown>;

/** The shape the model should answer in. */
export type ChatResponseFormat =
  | { type: 'text' }
  | {
      type: 'json';
      /** When given, providers that support structured output constrain the answer to it. */
      schema?: JSONSchema;
      /** Some providers require a name for the schema (OpenAI `json_schema.name`). */
      name?: string;
    };

/** Options of one generation call. Sampling options left out mean "the provider's default". */
export interface ChatGenerateOptions {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** Best effort: providers that cannot seed their sampler ignore it. */
  seed?: number;
  stop?: string[];
  responseFormat?: ChatResponseFormat;
  abortSignal?: AbortSignal;
}

/**
 * Why generation stopped. `content-filter` is reported separately from `error` because a refusal is a
 * valid answer for pipelines to count, not a failure to retry.
 */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'error' | 'other';

/** Tokens spent by one call, or summed over a run. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /**
   * Cost in US dollars, only when the provider reports it (OpenRouter's `usage.cost`, for example).
   * It lives next to the token counts so that stream finish parts and run manifests carry both at once.
   * Never estimated from price tables: a wrong number is worse than none.
   */
  costUsd?: number;
}

/** What one generation call returns. */
export interface ChatGenerateResult {
  text: string;
  finishReason: FinishReason;
  usage: TokenUsage;
  /** The provider's id of the request, for support tickets and log correlation. */
  requestId?: string;
  /** The provider's response body, for debugging only: its shape belongs to the provider. */
  rawResponse?: unknown;
}

/** A piece of a streamed answer. The text of the answer is the concatenation of every `delta`. */
export type ChatStreamPart =
  | { type: 'text-delta'; delta: string }
  | { type: 'finish'; finishReason: FinishReason; usage: TokenUsage; requestId?: string };

/**
 * A chat model, version 1 of the specification. Implemented by providers (OpenAI-compatible APIs,
 * llama.cpp, a blend of local models); consumed by datagen, the evaluator and the CLI, which never need
 * to know which provider they got.
 *
 * Implementations reject with `ApiCallError` for provider failures (setting `isRetryable`) and with
 * `CancelledError` when `abortSignal` fires; they do not retry on their own, so the caller's retry
 * policy is the only one in force.
 */
export interface ChatModel {
  readonly specificationVersion: 'v1';
  /** Provider name, for example `openai-compatible` or `llama-cpp`. */
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: ChatGenerateOptions): Promise<ChatGenerateResult>;
  /**
   * Streams the answer. Optional: callers fall back to `doGenerate` when a model cannot stream.
   * Errors are thrown from the iteration; exactly one `finish` part ends a successful stream.
   */
  doStream?(options: ChatGenerateOptions): AsyncIterable<ChatStreamPart>;
}
