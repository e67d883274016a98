// The training spec, its events and result: one shape for both backends.
export * from './doctor/index.js';
export * from './local/index.js';
export * from './openai/index.js';
export {
  defaultLocalTrainOptions,
  defaultTrainSystemPrompt,
  type ParseTrainSpecOptions,
  parseTrainSpec,
  type ResolvedLocalTrainOptions,
  type ResolvedOneCycleSchedule,
  type ResolvedTrainDatasetSpec,
  type ResolvedTrainSpec,
} from './parse-train-spec.js';
export { type PrepareChatDataOptions, type PreparedChatData, prepareChatData } from './prepare-chat-data.js';
export * from './sweep/index.js';
export { type TrainOptions, trainLora } from './train-lora.js';
export type {
  LocalTrainOptions,
  OneCycleSchedule,
  OpenAITrainOptions,
  TrainDatasetSpec,
  TrainEvent,
  TrainResult,
  TrainSpec,
} from './train-spec.js';
export * from './worker/index.js';
export * from './worker-logit-source/index.js';
