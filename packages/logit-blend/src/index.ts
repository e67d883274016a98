export {
  type BlendedToken,
  type BlendFinish,
  type BlendOptions,
  type BlendResult,
  type BlendSettings,
  type BlendStepInfo,
  type BlendStopReason,
  type BlendStreamPart,
  blend,
  type SourceAttribution,
  streamBlend,
} from './blend.js';
export type { BlendNormalization, PlausibilityMask } from './blend-log-probs.js';
export type { BlendRecipe } from './blend-recipe.js';
export { type ContrastiveDecodingOptions, contrastiveDecoding } from './contrastive-decoding.js';
export {
  type BlendedChatGenerateOptions,
  type BlendedChatModel,
  type BlendedChatModelSettings,
  createBlendedChatModel,
} from './create-blended-chat-model.js';
export { type DExpertsOptions, dexperts } from './dexperts.js';
export { type ProxyTuningOptions, proxyTuning } from './proxy-tuning.js';
export type { SamplingOptions } from './token-sampler.js';
export {
  alphaWeights,
  type BlendWeights,
  type LinearScheduleSpec,
  linearSchedule,
  type PiecewiseScheduleSpec,
  piecewiseSchedule,
  type WeightSchedule,
  type WeightScheduleContext,
  type WeightScheduleSpec,
} from './weight-schedule.js';
