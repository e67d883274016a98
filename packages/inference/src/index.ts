export {
  createOpenAICompatibleChatModel,
  type OpenAICompatibleChatModel,
  type OpenAICompatibleChatModelSettings,
  type OpenAICompatibleRetryOptions,
} from './create-openai-compatible-chat-model.js';
export {
  createOpenAICompatibleEmbedder,
  type OpenAICompatibleEmbedderSettings,
} from './create-openai-compatible-embedder.js';
export {
  createRateLimiter,
  type RateLimiter,
  type RateLimiterAcquireOptions,
  type RateLimiterSettings,
} from './create-rate-limiter.js';
export type { LlamaCppGpu, LlamaCppLoraAdapter } from './llama-cpp/acquire-llama-model.js';
export {
  createLlamaCppChatModel,
  type LlamaCppChatModel,
  type LlamaCppChatModelSettings,
} from './llama-cpp/create-llama-cpp-chat-model.js';
export {
  createLlamaCppLogitSource,
  type LlamaCppLogitSource,
  type LlamaCppLogitSourceSettings,
  llamaCppLogProbabilityFloor,
} from './llama-cpp/create-llama-cpp-logit-source.js';
export { type LocalServerPresetOptions, localServerPreset } from './local-server-preset.js';
export type { ModelPrices } from './model-prices.js';
export {
  createOnnxLogitSource,
  type OnnxLogitSource,
  type OnnxLogitSourceSettings,
} from './onnx/create-onnx-logit-source.js';
export {
  defaultOpenRouterModel,
  type OpenRouterPresetOptions,
  openRouterPreset,
} from './open-router-preset.js';
export { type OpenAIPresetOptions, openAIPreset } from './openai-preset.js';
export { parseJsonResponse } from './parse-json-response.js';
