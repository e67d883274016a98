export * from './bert-score/index.js';
export * from './evaluation/index.js';
export type {
  Aggregate,
  ConfidenceInterval,
  EvaluationMetrics,
  FleschHistogram,
  MetricName,
  RunDescription,
} from './evaluation-metrics.js';
export * from './judge/index.js';
export * from './metrics/index.js';
export * from './report/index.js';
