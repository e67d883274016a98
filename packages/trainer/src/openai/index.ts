export {
  type ChatExampleTokens,
  type CountTokens,
  countChatExampleTokens,
  loadTokenCounter,
} from './count-chat-example-tokens.js';
export {
  describeFineTuningModel,
  type FineTuningModelInfo,
  fineTuningExampleTokenLimits,
  type TokenizerEncodingName,
} from './describe-fine-tuning-model.js';
export { type FineTuneWithOpenAIOptions, fineTuneWithOpenAI } from './fine-tune-with-openai.js';
export { FineTuningJobError, type FineTuningJobErrorOptions } from './fine-tuning-job-error.js';
export {
  type OpenAIJobState,
  openAIJobStateFileName,
  readOpenAIJobState,
  writeOpenAIJobState,
} from './openai-job-state.js';
export {
  defaultOpenAISuffix,
  defaultOpenAITrainOptions,
  resolveOpenAITrainOptions,
} from './resolve-openai-train-options.js';
export type { OpenAIFineTuningCallOptions } from './run-openai-fine-tuning.js';
export { type TrainWithOpenAIOptions, trainWithOpenAI } from './train-with-openai.js';
export {
  type ChatJsonlErrorKind,
  type ChatJsonlIssue,
  type ChatJsonlValidationReport,
  type ChatJsonlWarningKind,
  summarizeChatJsonlIssues,
  type ValidateChatJsonlOptions,
  validateChatJsonl,
} from './validate-chat-jsonl.js';
