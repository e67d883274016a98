export { bootstrapDistinctN } from './bootstrap-distinct-n.js';
export { type EvaluateEvent, type EvaluateOptions, type EvaluateResult, evaluate } from './evaluate.js';
export { alphaOfFile, type EvaluateBlendSweepOptions, evaluateBlendSweep } from './evaluate-blend-sweep.js';
export { type EvaluateResponsesOptions, evaluateResponses } from './evaluate-responses.js';
export { mtBenchMetrics } from './mt-bench-metrics.js';
export { type ReadResponsePairsOptions, readResponsePairs } from './read-response-pairs.js';
export {
  type MetricGroup,
  metricGroups,
  type PerPairScores,
  type ResponsePair,
  type ScoredResponses,
  type ScoreResponsesOptions,
  scoreResponses,
} from './score-responses.js';
export {
  type EvaluationOutputs,
  type WriteEvaluationOutputsOptions,
  writeEvaluationOutputs,
} from './write-evaluation-outputs.js';
