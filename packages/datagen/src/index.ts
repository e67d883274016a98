export {
  type CheckpointCall,
  type CheckpointHeader,
  type CheckpointLine,
  CheckpointLog,
  checkpointFileName,
} from './checkpoint-log.js';
export {
  configHash,
  type DatagenBudget,
  type DatagenConfig,
  type DatagenFileSource,
  type ResolvedDatagenConfig,
  resolveDatagenConfig,
} from './datagen-config.js';
export type {
  DatagenBudgetExhaustedEvent,
  DatagenCallRetriedEvent,
  DatagenChunkStartedEvent,
  DatagenDoneEvent,
  DatagenEvent,
  DatagenRejectionReason,
  DatagenSampleAcceptedEvent,
  DatagenSampleRejectedEvent,
  DatagenStage,
  DatagenStopReason,
  DatagenUsageEvent,
} from './datagen-event.js';
export { type DatagenPrompts, defaultPrompts, fillTemplate } from './default-prompts.js';
export { ExactVectorIndex, normalizeVector } from './exact-vector-index.js';
export {
  type DatagenCounts,
  type DatagenRunManifest,
  type DatagenStageUsage,
  type GenerateDatasetOptions,
  type GenerateDatasetResult,
  generateDataset,
} from './generate-dataset.js';
export { cleanRephrasing, parseQuestionAnswer, type QuestionAnswer } from './parse-question-answer.js';
