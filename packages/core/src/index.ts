export { asyncDispose } from './async-dispose.js';
export type {
  ChatGenerateOptions,
  ChatGenerateResult,
  ChatMessage,
  ChatModel,
  ChatResponseFormat,
  ChatRole,
  ChatStreamPart,
  FinishReason,
  JSONSchema,
  TokenUsage,
} from './chat-model.js';
export {
  type ConcurrencyLimiter,
  type ConcurrencyLimiterRunOptions,
  createConcurrencyLimiter,
} from './concurrency-limiter.js';
export type { Embedder, EmbedOptions, EmbedResult } from './embedder.js';
export { ApiCallError, type ApiCallErrorOptions } from './errors/api-call-error.js';
export { CancelledError, type CancelledErrorOptions } from './errors/cancelled-error.js';
export { hasErrorMarker, setErrorMarker } from './errors/error-marker.js';
export { InvalidArgumentError, type InvalidArgumentErrorOptions } from './errors/invalid-argument-error.js';
export { ModelLoadError, type ModelLoadErrorOptions } from './errors/model-load-error.js';
export { RetryError, type RetryErrorOptions, type RetryErrorReason } from './errors/retry-error.js';
export { TonekitError, type TonekitErrorOptions } from './errors/tonekit-error.js';
export { WorkerCrashedError, type WorkerCrashedErrorOptions } from './errors/worker-crashed-error.js';
export { WorkerError, type WorkerErrorOptions } from './errors/worker-error.js';
export type {
  ApplyChatTemplateOptions,
  CreateSequenceOptions,
  LogitSequence,
  LogitSource,
  NextLogProbsOptions,
  SpecialTokens,
  TokenizeOptions,
  TokenizerInfo,
} from './logit-source.js';
export { parseRetryAfter, type RetryAfterHeaders } from './parse-retry-after.js';
export type { OnEvent, ProgressEvent } from './progress-event.js';
export { readPackageIdentity } from './read-package-identity.js';
export { type RetryInfo, type RetryWithBackoffOptions, retryWithBackoff } from './retry-with-backoff.js';
export type { RunManifest, RunManifestInput, RunManifestModelUsage } from './run-manifest.js';
export { sleep } from './sleep.js';
export {
  resolveSystemPrompt,
  type SystemPromptPresetName,
  systemPromptPresets,
} from './system-prompt-presets.js';
export {
  type ThrottledListener,
  type ThrottleProgressOptions,
  throttleProgress,
} from './throttle-progress.js';
export type {
  EmbedTokensOptions,
  EmbedTokensResult,
  TokenEmbedder,
  TokenEmbedding,
} from './token-embedder.js';
export { computeVocabularyHash } from './vocabulary-hash.js';
